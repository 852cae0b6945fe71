//! Teacher and school search from the index answers exactly what a substring scan would: names of
//! two characters and more, staff numbers and school codes in part; it follows edits and deletes.
//! Both backends.

use gongjin_store::records::ListQuery;
use gongjin_store::scope::Visible;
use gongjin_store::teachers::TeacherFilter;
use gongjin_store::testing;
use gongjin_store::{Actor, Store};
use std::collections::BTreeSet;

struct NoProgress;
impl gongjin_store::demo::DemoProgress for NoProgress {
    fn phase(&mut self, _: &str, _: u64) {}
    fn inc(&mut self, _: u64) {}
}

async fn teacher_ids(store: &Store, q: &str) -> BTreeSet<i64> {
    let page = store
        .list_teachers(
            &Visible::All,
            &ListQuery {
                q: Some(q.to_owned()),
                per_page: Some(200),
                ..Default::default()
            },
            &TeacherFilter::default(),
        )
        .await
        .unwrap();
    assert!(
        page.total <= 200,
        "query {q} matches {} (narrow it)",
        page.total
    );
    assert_eq!(page.total as usize, page.items.len());
    page.items.iter().map(|t| t.id).collect()
}

async fn school_ids(store: &Store, q: &str) -> BTreeSet<i64> {
    let page = store
        .list_schools(
            &Visible::All,
            &ListQuery {
                q: Some(q.to_owned()),
                per_page: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    page.items.iter().map(|s| s.id).collect()
}

#[tokio::test]
async fn search_matches_a_substring_scan() {
    for db in testing::all().await {
        let store = db.store.clone();
        let label = db.label;
        let data = gongjin_demo::generate(
            gongjin_demo::Scale::District,
            gongjin_demo::DEFAULT_SEED,
            &mut |_, _| {},
        );
        store.load_demo(&data, &mut NoProgress).await.unwrap();
        let teachers = store.all_teachers(&Visible::All).await.unwrap();
        let schools = store.all_schools(&Visible::All).await.unwrap();
        let scan = |q: &str| -> BTreeSet<i64> {
            let l = q.to_lowercase();
            teachers
                .iter()
                .filter(|t| t.name.contains(q) || t.staff_number.to_lowercase().contains(&l))
                .map(|t| t.id)
                .collect()
        };
        // Full names (often two characters), the last two characters of longer names, and
        // parts of staff numbers in either case.
        let mut queries: Vec<String> = vec![];
        for t in teachers.iter().step_by(97).take(20) {
            queries.push(t.name.clone());
            let chars: Vec<char> = t.name.chars().collect();
            if chars.len() >= 3 {
                queries.push(chars[chars.len() - 2..].iter().collect());
            }
            queries.push(t.staff_number.clone());
            queries.push(t.staff_number[t.staff_number.len() - 4..].to_owned());
            queries.push(t.staff_number.to_lowercase());
        }
        let mut nonempty = 0;
        for q in &queries {
            let want = scan(q);
            if want.len() > 200 {
                continue;
            }
            let got = teacher_ids(&store, q).await;
            assert_eq!(got, want, "{label}: teachers matching {q}");
            nonempty += usize::from(!got.is_empty());
        }
        assert!(
            nonempty >= 40,
            "{label}: {nonempty} queries found something"
        );

        // Schools by part of the name or of the 10-digit code.
        for s in schools.iter().step_by(7) {
            let chars: Vec<char> = s.name.chars().collect();
            let part: String = chars[chars.len().saturating_sub(4)..].iter().collect();
            for q in [part.clone(), s.code[3..9].to_owned(), s.code.clone()] {
                let want: BTreeSet<i64> = schools
                    .iter()
                    .filter(|x| x.name.contains(&q) || x.code.contains(&q))
                    .map(|x| x.id)
                    .collect();
                assert_eq!(
                    school_ids(&store, &q).await,
                    want,
                    "{label}: schools matching {q}"
                );
            }
        }

        // Punctuation alone finds nothing to filter by: the list is not narrowed.
        let all = store
            .list_teachers(
                &Visible::All,
                &ListQuery {
                    q: Some("-".into()),
                    ..Default::default()
                },
                &TeacherFilter::default(),
            )
            .await
            .unwrap();
        assert_eq!(all.total as usize, teachers.len(), "{label}");

        // An edit moves the teacher from the old name's results to the new one's.
        let t = &teachers[teachers.len() / 2];
        let mut fields = t.fields();
        fields.name = "欧阳娜娜".into();
        let actor = Actor::system("search-test");
        store
            .update_teacher(&actor, t.id, &fields.validate().unwrap())
            .await
            .unwrap();
        assert!(
            teacher_ids(&store, "欧阳娜").await.contains(&t.id),
            "{label}"
        );
        if !scan(&t.name).is_empty() {
            assert!(
                !teacher_ids(&store, &t.name).await.contains(&t.id),
                "{label}: the old name no longer finds it"
            );
        }
        db.finish().await;
    }
}
