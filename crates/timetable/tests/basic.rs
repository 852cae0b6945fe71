use gongjin_timetable::generate::{JointSpec, joint};
use gongjin_timetable::{Options, check, repair, solve};

fn small() -> gongjin_timetable::Model {
    joint(&JointSpec {
        seed: 3,
        communities: 1,
        classes_per_school: 1,
        sync_links: 3,
        travelling_teachers: 1,
    })
}

#[test]
fn feasible_solutions_have_no_hard_violations_by_the_evaluator() {
    let m = small();
    let s = solve(
        &m,
        &Options {
            seed: 7,
            budget: 20_000,
            ..Default::default()
        },
    )
    .unwrap();
    let r = check(&m, &s.timetable);
    assert_eq!(r.hard, s.report.hard);
    assert_eq!(r.total, m.activities.len());
}

#[test]
fn same_seed_and_budget_same_timetable() {
    let m = small();
    let o = Options {
        seed: 11,
        budget: 5_000,
        ..Default::default()
    };
    assert_eq!(
        solve(&m, &o).unwrap().timetable,
        solve(&m, &o).unwrap().timetable
    );
}

#[test]
fn repair_keeps_locked_lessons() {
    let mut m = small();
    let s = solve(
        &m,
        &Options {
            seed: 5,
            budget: 5_000,
            ..Default::default()
        },
    )
    .unwrap();
    for a in 0..m.activities.len() / 3 {
        m.activities[a].fixed = s.timetable.slots[a];
    }
    let r = repair(
        &m,
        &s.timetable,
        &Options {
            seed: 5,
            budget: 5_000,
            ..Default::default()
        },
        &mut || false,
    )
    .unwrap();
    for a in 0..m.activities.len() / 3 {
        assert_eq!(r.timetable.slots[a], s.timetable.slots[a]);
    }
}

#[test]
fn joint_model_json_round_trip() {
    let m = small();
    let j = serde_json::to_string(&m).unwrap();
    let back: gongjin_timetable::Model = serde_json::from_str(&j).unwrap();
    assert_eq!(m, back);
}
