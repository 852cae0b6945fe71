use gongjin_rotation::synthetic;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let nt: usize = a[1].parse().unwrap();
    let ns: usize = a[2].parse().unwrap();
    let seed: u64 = a[3].parse().unwrap();
    let input = synthetic::district(seed, ns, nt);
    for s in &input.schools {
        println!(
            "{} {:?} {} {:?}",
            s.id,
            s.locality,
            s.strong,
            s.parts
                .iter()
                .map(|p| (p.stage, p.enrolment))
                .collect::<Vec<_>>()
        );
    }
    let mut types = std::collections::BTreeSet::new();
    for t in &input.teachers {
        if t.years_at_school >= 6 && !t.exemptions.any() {
            let mut s = t.subjects.clone();
            let main = s[0].clone();
            s.sort();
            s.dedup();
            types.insert((
                t.school.clone(),
                t.stage.key(),
                main,
                s,
                t.backbone.counts(),
                t.has_higher_degree,
            ));
        }
    }
    println!("types {}", types.len());
}
