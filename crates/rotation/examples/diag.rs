use gongjin_rotation::{PlanOptions, plan, synthetic};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let nt: usize = a[1].parse().unwrap();
    let ns: usize = a[2].parse().unwrap();
    let seed: u64 = a[3].parse().unwrap();
    let input = synthetic::district(seed, ns, nt);
    for s in &input.schools {
        let ts: Vec<_> = input.teachers.iter().filter(|t| t.school == s.id).collect();
        let el = ts
            .iter()
            .filter(|t| t.years_at_school >= 6 && !t.exemptions.any())
            .count();
        let bb = ts.iter().filter(|t| t.backbone.counts()).count();
        let ebb = ts
            .iter()
            .filter(|t| t.backbone.counts() && t.years_at_school >= 6 && !t.exemptions.any())
            .count();
        let deg = ts.iter().filter(|t| t.has_higher_degree).count();
        println!(
            "{} {:?} strong={} parts={:?} n={} elig={} bb={} eligbb={} deg={} short={:?} surp={:?} comm={:?} ll=({:.3},{:.3})",
            s.id,
            s.locality,
            s.strong,
            s.parts
                .iter()
                .map(|p| (p.stage, p.enrolment))
                .collect::<Vec<_>>(),
            ts.len(),
            el,
            bb,
            ebb,
            deg,
            s.shortages,
            s.surpluses,
            s.community,
            s.lat,
            s.lon
        );
    }
    let p = plan(&input, &PlanOptions::default()).unwrap();
    println!("obj {:?} lb {} gap {}", p.objective, p.lower_bound, p.gap);
    for mv in &p.moves {
        println!(
            "{} {}->{} bb={} deg={}",
            mv.teacher, mv.from, mv.to, mv.backbone, mv.higher_degree
        );
    }
    for s in &p.schools {
        println!("{:?}", s);
    }
    println!("{:?}", p.infeasibilities);
}
