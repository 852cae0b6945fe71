use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn mv(metric: MetricKey, value: f64) -> MetricValue {
    MetricValue {
        metric,
        value,
        evidence: vec![],
    }
}

fn find<'a>(card: &'a ScoreCard, key: &str) -> &'a IndicatorScore {
    card.dimensions
        .iter()
        .flat_map(|d| &d.indicators)
        .find(|i| i.key == key)
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn preset_is_valid_and_totals_100() {
    let s = Standard::preset(7, 2025);
    assert!(s.validate().is_empty(), "{:?}", s.validate());
    assert!(close(s.max_total(), 100.0));
    let keys: Vec<&str> = s.dimensions.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "management",
            "teacher_development",
            "resource_sharing",
            "coordinated_development",
            "overall_improvement"
        ]
    );
    let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["管理共进", "师资共育", "资源共享", "协同发展", "整体提升"]
    );
    // All 16 metrics are used; activities twice (all kinds, and same_topic): 17 keys.
    assert_eq!(s.metrics().len(), 17);
    // Source texts quoted.
    assert!(
        s.indicator("long_term_exchanges")
            .unwrap()
            .description
            .contains("不少于5人")
    );
    assert!(
        s.indicator("shadowing_share")
            .unwrap()
            .description
            .contains("20%")
    );
}

#[test]
fn metric_keys_round_trip() {
    for m in MetricKey::all() {
        assert_eq!(MetricKey::parse(&m.key()), Some(m.clone()));
    }
    let k = MetricKey::ActivitiesPerTerm {
        kind: Some("same_topic".into()),
    };
    assert_eq!(k.key(), "activities_per_term:same_topic");
    assert_eq!(
        serde_json::to_string(&k).unwrap(),
        "\"activities_per_term:same_topic\""
    );
    assert_eq!(
        serde_json::from_str::<MetricKey>("\"sync_lessons\"").unwrap(),
        MetricKey::SyncLessons
    );
    assert!(serde_json::from_str::<MetricKey>("\"nope\"").is_err());
    assert!(MetricKey::parse("activities_per_term:").is_none());
    assert!(MetricKey::parse("activities_per_term:Bad Kind").is_none());
}

#[test]
fn standard_round_trips_as_json() {
    let s = Standard::preset(1, 2024);
    let json = serde_json::to_string(&s).unwrap();
    let back: Standard = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    // Defaults: weight 1, pass 60, default bundled rule.
    let minimal = r#"{"region_id":1,"year":2025,"version":2,"name":"t","dimensions":[{"key":"d","name":"维度",
        "indicators":[{"key":"x","name":"同步课堂","max_points":10,
        "kind":{"kind":"automatic","metric":"sync_lessons","rule":{"rule":"linear","floor":0,"target":20}}}]}]}"#;
    let m: Standard = serde_json::from_str(minimal).unwrap();
    assert_eq!(m.dimensions[0].indicators[0].weight, 1.0);
    assert_eq!(m.pass_percent, 60.0);
    assert_eq!(m.bundled, BundledRule::default());
}

#[test]
fn validation_finds_problems() {
    let mut s = Standard::preset(1, 2025);
    s.dimensions[0].indicators[1].key = s.dimensions[0].indicators[0].key.clone();
    s.dimensions[1].indicators[0].max_points = 0.0;
    if let IndicatorKind::Automatic { rule, .. } = &mut s.dimensions[1].indicators[1].kind {
        *rule = ScoringRule::Linear {
            floor: 1.0,
            target: 1.0,
        };
    }
    s.bundled.member_share = 1.5;
    let errs = s.validate();
    assert!(
        errs.iter()
            .any(|e| matches!(e, StandardError::DuplicateIndicator { .. }))
    );
    assert!(
        errs.iter()
            .any(|e| matches!(e, StandardError::BadPoints { .. }))
    );
    assert!(
        errs.iter()
            .any(|e| matches!(e, StandardError::BadRule { .. }))
    );
    assert!(
        errs.iter()
            .any(|e| matches!(e, StandardError::BadBundled { .. }))
    );
    let input = CommunityInput::default();
    assert!(matches!(
        score_community(&s, &input),
        Err(ScoreError::Standard(_))
    ));
}

#[test]
fn explanations_and_hand_checked_scores() {
    let s = Standard::preset(1, 2025);
    let input = CommunityInput {
        community_id: 3,
        name: "实验小学教联体".into(),
        metrics: vec![
            MetricValue {
                metric: MetricKey::LongTermExchanges,
                value: 6.0,
                evidence: (1..=6)
                    .map(|id| Evidence {
                        kind: "exchange".into(),
                        id,
                        label: format!("交流 {id}"),
                    })
                    .collect(),
            },
            mv(MetricKey::ExchangeRatio, 0.05),
            mv(MetricKey::SyncLessons, 15.0),
            mv(MetricKey::SyncLessonSubjects, 2.0),
            mv(MetricKey::MeetingDecisionsDone, 0.4),
            mv(MetricKey::HoursPerExchangedTeacher, 10.0),
        ],
        manual: vec![ManualScore {
            indicator: "plans_and_charter".into(),
            score: 4.5,
            comment: "三年规划未细化到学期".into(),
            reviewer: "王科长".into(),
            attachments: vec![11, 12],
        }],
    };
    let card = score_community(&s, &input).unwrap();

    let lt = find(&card, "long_term_exchanges");
    assert_eq!(lt.status, ScoreStatus::Measured);
    assert!(close(lt.score, 8.0));
    assert_eq!(lt.explanation, "长期交流 6 人，目标 5 人，得满分 8 分");
    assert_eq!(lt.evidence.len(), 6);

    let er = find(&card, "exchange_ratio");
    assert!(close(er.score, 3.0)); // 5% of a 10% target: half of 6 points
    assert_eq!(
        er.explanation,
        "交流轮岗比例 5%，起评线 0%、目标 10%，按比例得 3 分（满分 6 分）"
    );

    let sl = find(&card, "sync_lessons");
    assert!(close(sl.score, 4.5)); // 15/20 × 6

    let subj = find(&card, "sync_lesson_subjects");
    assert!(close(subj.score, 2.1)); // 70% of 3
    assert_eq!(
        subj.explanation,
        "同步课堂学科数 2 个，达到“2 个”档（得分 70%），得 2.1 分（满分 3 分）"
    );

    let md = find(&card, "meeting_decisions_done");
    assert!(close(md.score, 0.0));
    assert_eq!(
        md.explanation,
        "联席会议决议落实率 40%，未超过起评线 50%，得 0 分（满分 6 分）"
    );

    let hours = find(&card, "hours_per_exchanged_teacher");
    assert!(close(hours.score, 0.0));
    assert!(
        hours.explanation.contains("未达到最低档“20 小时”"),
        "{}",
        hours.explanation
    );

    let man = find(&card, "plans_and_charter");
    assert_eq!(man.status, ScoreStatus::Reviewed);
    assert!(close(man.score, 4.5));
    assert_eq!(
        man.explanation,
        "王科长评分 4.5 分（满分 5 分）：三年规划未细化到学期"
    );
    assert_eq!(man.attachments, vec![11, 12]);

    let missing = find(&card, "backbone_share");
    assert_eq!(missing.status, ScoreStatus::MissingMetric);
    assert_eq!(
        missing.explanation,
        "缺少骨干教师占交流教师比例数据，计 0 分（满分 5 分）"
    );
    assert!(card.incomplete.contains(&"backbone_share".to_string()));
    assert!(card.incomplete.contains(&"resource_library".to_string()));
    assert!(!card.incomplete.contains(&"plans_and_charter".to_string()));

    // 8 + 3 + 4.5 + 2.1 + 0 + 0 + 4.5
    assert!(close(card.total, 22.1));
    assert!(close(card.max_total, 100.0));
    assert!(close(card.percent, 22.1));
    assert!(!card.passed);
    let teacher = &card.dimensions[1];
    assert!(close(teacher.score, 11.0));
    assert!(close(teacher.max, 30.0));
}

#[test]
fn weights_multiply_scores() {
    let mut s = Standard::preset(1, 2025);
    s.dimensions[1].indicators[0].weight = 1.5; // long-term exchanges: 8 points × 1.5
    let input = CommunityInput {
        metrics: vec![mv(MetricKey::LongTermExchanges, 5.0)],
        ..Default::default()
    };
    let card = score_community(&s, &input).unwrap();
    let lt = find(&card, "long_term_exchanges");
    assert!(close(lt.score, 8.0));
    assert!(close(lt.weighted_score, 12.0));
    assert!(close(card.max_total, 104.0));
    assert!(lt.explanation.ends_with("；权重 1.5，计 12 分"));
}

#[test]
fn manual_score_errors() {
    let s = Standard::preset(1, 2025);
    let with = |indicator: &str, score: f64| CommunityInput {
        manual: vec![ManualScore {
            indicator: indicator.into(),
            score,
            comment: String::new(),
            reviewer: "r".into(),
            attachments: vec![],
        }],
        ..Default::default()
    };
    assert!(matches!(
        score_community(&s, &with("plans_and_charter", 5.5)),
        Err(ScoreError::ManualOutOfRange { .. })
    ));
    assert!(matches!(
        score_community(&s, &with("plans_and_charter", -1.0)),
        Err(ScoreError::ManualOutOfRange { .. })
    ));
    assert!(matches!(
        score_community(&s, &with("nope", 1.0)),
        Err(ScoreError::UnknownIndicator { .. })
    ));
    assert!(matches!(
        score_community(&s, &with("sync_lessons", 1.0)),
        Err(ScoreError::NotManual { .. })
    ));
    let mut dup = with("plans_and_charter", 1.0);
    dup.manual.push(dup.manual[0].clone());
    assert!(matches!(
        score_community(&s, &dup),
        Err(ScoreError::DuplicateManual { .. })
    ));
    let dupm = CommunityInput {
        metrics: vec![
            mv(MetricKey::SyncLessons, 1.0),
            mv(MetricKey::SyncLessons, 2.0),
        ],
        ..Default::default()
    };
    assert!(matches!(
        score_community(&s, &dupm),
        Err(ScoreError::DuplicateMetric { .. })
    ));
}

#[test]
fn rules_hand_checked() {
    let lin = ScoringRule::Linear {
        floor: 2.0,
        target: 6.0,
    };
    assert_eq!(lin.fraction(1.0), 0.0);
    assert_eq!(lin.fraction(2.0), 0.0);
    assert!(close(lin.fraction(3.0), 0.25));
    assert_eq!(lin.fraction(6.0), 1.0);
    assert_eq!(lin.fraction(60.0), 1.0);
    assert_eq!(lin.fraction(f64::NAN), 0.0);
    // Lower is better.
    let down = ScoringRule::Linear {
        floor: 0.6,
        target: 0.4,
    };
    assert_eq!(down.fraction(0.3), 1.0);
    assert!(close(down.fraction(0.5), 0.5));
    assert_eq!(down.fraction(0.7), 0.0);
    // 0.1 + 0.2 reaches a 0.3 threshold.
    let pf = ScoringRule::PassFail { threshold: 0.3 };
    assert_eq!(pf.fraction(0.1 + 0.2), 1.0);
    assert_eq!(pf.fraction(0.29), 0.0);
    let steps = ScoringRule::Steps {
        steps: vec![
            Step {
                at_least: 3.0,
                fraction: 1.0,
            },
            Step {
                at_least: 1.0,
                fraction: 0.4,
            },
        ],
    };
    assert_eq!(steps.fraction(0.0), 0.0);
    assert_eq!(steps.fraction(2.0), 0.4);
    assert_eq!(steps.fraction(3.0), 1.0);
    assert_eq!(steps.full_at(), Some(3.0));
}

#[test]
fn pass_fail_explanations() {
    let mut s = Standard::preset(1, 2025);
    s.dimensions = vec![Dimension::preset(
        PresetDimension::ResourceSharing,
        vec![Indicator {
            key: "sync".into(),
            name: "同步课堂".into(),
            description: String::new(),
            max_points: 10.0,
            weight: 1.0,
            kind: IndicatorKind::Automatic {
                metric: MetricKey::SyncLessons,
                rule: ScoringRule::PassFail { threshold: 20.0 },
            },
        }],
    )];
    let card = |v: f64| {
        score_community(
            &s,
            &CommunityInput {
                metrics: vec![mv(MetricKey::SyncLessons, v)],
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert_eq!(
        card(20.0).dimensions[0].indicators[0].explanation,
        "同步课堂 20 节，达到 20 节的要求，得满分 10 分"
    );
    assert_eq!(
        card(19.0).dimensions[0].indicators[0].explanation,
        "同步课堂 19 节，未达到 20 节的要求，得 0 分（满分 10 分）"
    );
    assert!(card(20.0).passed);
}

fn members() -> Vec<MemberProgress> {
    vec![
        MemberProgress {
            school_id: 21,
            name: "洛阳高小".into(),
            value_added: Some(0.2),
            balance_improvement: Some(2.5),
        },
        MemberProgress {
            school_id: 22,
            name: "府河小学".into(),
            value_added: Some(0.05),
            balance_improvement: None,
        },
    ]
}

#[test]
fn bundled_assessment_hand_checked() {
    let s = Standard::preset(1, 2025);
    let input = CommunityInput {
        community_id: 9,
        name: "东关小学教联体".into(),
        metrics: vec![mv(MetricKey::LongTermExchanges, 5.0)],
        ..Default::default()
    };
    let r = bundled_assessment(&s, &input, &members()).unwrap();
    // Member 21: VA 0.2 → 1.0, balance 2.5 → 0.5: progress 75. Member 22: VA 0.05 → 0.5, balance missing → 0: 25.
    assert!(close(r.members[0].progress, 75.0));
    assert!(close(r.members[1].progress, 25.0));
    assert!(r.members[1].explanation.contains("均衡提升缺少数据"));
    assert!(close(r.member_progress, 50.0));
    // Member metrics filled in: mean VA 0.125 → (0.225/0.3) × 6 = 4.5; balance mean over the one member with it:
    // 2.5 → 0.5 × 5 = 2.5. Plus long-term 8: 15.
    let va = find(&r.card, "member_value_added");
    assert!(close(va.value.unwrap(), 0.125));
    assert!(close(va.score, 4.5));
    assert_eq!(va.evidence.len(), 2);
    assert_eq!(va.evidence[0].kind, "school");
    let bi = find(&r.card, "member_balance_improvement");
    assert_eq!(bi.evidence.len(), 1);
    assert!(close(bi.score, 2.5));
    assert!(close(r.card.total, 15.0));
    // 0.7 × 15 + 0.3 × 50 = 25.5
    assert!(close(r.score, 25.5));
    assert!(!r.passed);
    assert_eq!(
        r.explanation,
        "标准得分率 15% × 70% + 成员校平均进步 50 × 30% = 捆绑得分 25.5"
    );

    // No member schools: member progress counts 0.
    let alone = bundled_assessment(&s, &input, &[]).unwrap();
    assert!(close(alone.score, 0.7 * 8.0));
    assert!(alone.explanation.contains("无成员校进步数据"));

    // Measured member metrics are kept, not overwritten.
    let mut measured = input.clone();
    measured.metrics.push(mv(MetricKey::MemberValueAdded, 0.2));
    let r2 = bundled_assessment(&s, &measured, &members()).unwrap();
    assert!(close(find(&r2.card, "member_value_added").score, 6.0));
}

#[test]
fn ranking_ties_and_gaps() {
    let items = vec![
        (5, "E".to_string(), 70.004),
        (3, "C".to_string(), 80.0),
        (1, "A".to_string(), 90.0),
        (2, "B".to_string(), 80.0),
        (4, "D".to_string(), 70.001),
        (6, "F".to_string(), f64::NAN),
    ];
    let r = rank(&items);
    let order: Vec<(usize, i64)> = r.iter().map(|e| (e.rank, e.community_id)).collect();
    assert_eq!(order, [(1, 1), (2, 2), (2, 3), (4, 4), (4, 5), (6, 6)]);
    assert!(close(r[0].gap_to_next.unwrap(), 10.0));
    assert_eq!(r[0].gap_to_previous, None);
    assert_eq!(r[1].gap_to_next, Some(0.0));
    assert!(close(r[2].gap_to_next.unwrap(), 80.0 - 70.001));
    assert_eq!(r[3].gap_to_next, Some(0.0));
    assert!(close(r[1].gap_to_previous.unwrap(), 10.0));
    assert_eq!(r[5].gap_to_next, None);
    // Input order does not matter.
    let mut rev = items.clone();
    rev.reverse();
    let r2 = rank(&rev);
    assert_eq!(
        r2.iter().map(|e| e.community_id).collect::<Vec<_>>(),
        r.iter().map(|e| e.community_id).collect::<Vec<_>>()
    );
}

#[test]
fn development_index_hand_checked() {
    let f = IndexFormula::preset();
    f.validate().unwrap();
    let mut figs = BTreeMap::new();
    figs.insert(COVERAGE_RATE.to_string(), 0.8); // (0.8−0.5)/0.5 = 0.6 × 20 = 12
    figs.insert(STANDARD_PASS_SHARE.to_string(), 0.5); // 0.5 × 20 = 10
    figs.insert(MEAN_BUNDLED_SCORE.to_string(), 65.0); // 25/50 = 0.5 × 25 = 12.5
    figs.insert(BALANCE_CV_PASS_SHARE.to_string(), 1.0); // 20
    figs.insert("unused".to_string(), 3.0);
    let d = development_index(&f, 4, 2024, &figs).unwrap();
    assert!(close(d.index, 54.5));
    assert_eq!(d.missing, vec![MEAN_VALUE_ADDED.to_string()]);
    assert_eq!(
        d.components[0].explanation,
        "教共体覆盖率 80%（起评 50%，目标 100%），达成 60%，权重 20%，计 12 分"
    );
    assert!(close(
        d.components.iter().map(|c| c.points).sum::<f64>(),
        d.index
    ));

    let bad = IndexFormula {
        components: vec![
            IndexComponent {
                key: "a".into(),
                weight: 1.0,
                floor: 0.0,
                target: 1.0,
            };
            2
        ],
    };
    assert!(matches!(bad.validate(), Err(IndexError::Duplicate { .. })));
    assert!(matches!(
        IndexFormula { components: vec![] }.validate(),
        Err(IndexError::Empty)
    ));
}

#[test]
fn figures_from_bundled_results() {
    let s = Standard::preset(1, 2025);
    let mk = |id: i64, lt: f64| {
        bundled_assessment(
            &s,
            &CommunityInput {
                community_id: id,
                name: format!("C{id}"),
                metrics: vec![mv(MetricKey::LongTermExchanges, lt)],
                ..Default::default()
            },
            &members(),
        )
        .unwrap()
    };
    let rs = vec![mk(1, 5.0), mk(2, 0.0)];
    let figs = figures_from_bundled(&rs);
    assert_eq!(figs[STANDARD_PASS_SHARE], 0.0);
    assert!(close(
        figs[MEAN_BUNDLED_SCORE],
        (rs[0].score + rs[1].score) / 2.0
    ));
    let ranked = rank_bundled(&rs);
    assert_eq!(ranked[0].community_id, 1);
    assert!(figures_from_bundled(&[]).is_empty());
}

#[test]
fn trend_sorted_with_changes() {
    let t = trend(&[(2024, 89.0), (2022, 80.0), (2023, 85.5), (2023, 86.0)]);
    assert_eq!(t.len(), 3);
    assert_eq!((t[0].year, t[0].change), (2022, None));
    assert_eq!(
        (t[1].year, t[1].index, t[1].change),
        (2023, 86.0, Some(6.0))
    );
    assert_eq!(t[2].change, Some(3.0));
    assert!(trend(&[]).is_empty());
}

#[test]
fn fmt_num_prints_compactly() {
    assert_eq!(fmt_num(8.0), "8");
    assert_eq!(fmt_num(4.5), "4.5");
    assert_eq!(fmt_num(1.0 / 3.0), "0.33");
    assert_eq!(fmt_num(-0.001), "0");
    assert_eq!(fmt_num(-0.1), "-0.1");
}

fn arb_rule() -> impl Strategy<Value = ScoringRule> {
    prop_oneof![
        (-50.0..50.0f64, 0.01..50.0f64).prop_map(|(floor, span)| ScoringRule::Linear {
            floor,
            target: floor + span
        }),
        (-50.0..50.0f64, 0.01..50.0f64).prop_map(|(target, span)| ScoringRule::Linear {
            floor: target + span,
            target
        }),
        proptest::collection::vec((-50.0..50.0f64, 0.0..=1.0f64), 1..5).prop_map(|v| {
            let mut steps: Vec<Step> = v
                .into_iter()
                .map(|(at_least, fraction)| Step { at_least, fraction })
                .collect();
            // Make fractions non-decreasing in the threshold, as validation requires.
            steps.sort_by(|a, b| a.at_least.total_cmp(&b.at_least));
            let mut fr: Vec<f64> = steps.iter().map(|s| s.fraction).collect();
            fr.sort_by(f64::total_cmp);
            for (s, f) in steps.iter_mut().zip(fr) {
                s.fraction = f;
            }
            ScoringRule::Steps { steps }
        }),
        (-50.0..50.0f64).prop_map(|threshold| ScoringRule::PassFail { threshold }),
    ]
}

fn arb_standard() -> impl Strategy<Value = Standard> {
    let metrics = MetricKey::all();
    let ind = (
        0..metrics.len(),
        arb_rule(),
        0.5..20.0f64,
        0.0..3.0f64,
        proptest::bool::weighted(0.2),
    )
        .prop_map(move |(m, rule, max_points, weight, manual)| Indicator {
            key: String::new(),
            name: "x".into(),
            description: String::new(),
            max_points,
            weight,
            kind: if manual {
                IndicatorKind::Manual {
                    guidance: String::new(),
                }
            } else {
                IndicatorKind::Automatic {
                    metric: metrics[m].clone(),
                    rule,
                }
            },
        });
    proptest::collection::vec(proptest::collection::vec(ind, 1..5), 1..5).prop_map(|dims| {
        let mut n = 0;
        Standard {
            region_id: 1,
            year: 2025,
            version: 1,
            name: "p".into(),
            dimensions: dims
                .into_iter()
                .enumerate()
                .map(|(d, inds)| Dimension {
                    key: format!("d{d}"),
                    name: format!("d{d}"),
                    indicators: inds
                        .into_iter()
                        .map(|mut i| {
                            n += 1;
                            i.key = format!("i{n}");
                            i
                        })
                        .collect(),
                })
                .collect(),
            pass_percent: 60.0,
            bundled: BundledRule::default(),
        }
    })
}

proptest! {
    #[test]
    fn scores_within_bounds_and_totals_are_sums(
        s in arb_standard(),
        values in proptest::collection::vec(-100.0..100.0f64, 15),
        manual_frac in 0.0..=1.0f64,
    ) {
        prop_assert!(s.validate().is_empty(), "{:?}", s.validate());
        let metrics: Vec<MetricValue> = MetricKey::all().into_iter().zip(values)
            .map(|(m, v)| mv(m, v)).collect();
        let manual: Vec<ManualScore> = s.indicators()
            .filter(|(_, i)| matches!(i.kind, IndicatorKind::Manual { .. }))
            .map(|(_, i)| ManualScore {
                indicator: i.key.clone(),
                score: i.max_points * manual_frac,
                comment: String::new(),
                reviewer: "r".into(),
                attachments: vec![],
            })
            .collect();
        let card = score_community(&s, &CommunityInput { metrics, manual, ..Default::default() }).unwrap();
        let mut total = 0.0;
        let mut max_total = 0.0;
        for d in &card.dimensions {
            let mut ds = 0.0;
            for i in &d.indicators {
                prop_assert!(i.score >= 0.0 && i.score <= i.max_points + 1e-12);
                prop_assert!((i.weighted_score - i.score * i.weight).abs() < 1e-9);
                ds += i.weighted_score;
            }
            prop_assert!((d.score - ds).abs() < 1e-9);
            total += d.score;
            max_total += d.max;
        }
        prop_assert!((card.total - total).abs() < 1e-9);
        prop_assert!((card.max_total - max_total).abs() < 1e-9);
        prop_assert!((card.max_total - s.max_total()).abs() < 1e-9);
        prop_assert!(card.total <= card.max_total + 1e-9);
        prop_assert!((0.0..=100.0).contains(&card.percent));
    }

    #[test]
    fn linear_is_monotone(floor in -100.0..100.0f64, span in 0.001..100.0f64,
                          a in -300.0..300.0f64, b in -300.0..300.0f64, max in 0.1..50.0f64) {
        let rule = ScoringRule::Linear { floor, target: floor + span };
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (flo, fhi) = (rule.fraction(lo) * max, rule.fraction(hi) * max);
        prop_assert!(flo <= fhi + 1e-12);
        prop_assert!((0.0..=max).contains(&flo) && (0.0..=max).contains(&fhi));
        // Lower-is-better runs the other way.
        let down = ScoringRule::Linear { floor: floor + span, target: floor };
        prop_assert!(down.fraction(lo) >= down.fraction(hi) - 1e-12);
    }

    #[test]
    fn steps_are_monotone(s in arb_rule(), a in -100.0..100.0f64, b in -100.0..100.0f64) {
        if let ScoringRule::Steps { .. } | ScoringRule::PassFail { .. } = s {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(s.fraction(lo) <= s.fraction(hi));
        }
    }

    #[test]
    fn bundled_and_index_within_0_100(
        va in proptest::collection::vec(proptest::option::of(-2.0..2.0f64), 0..4),
        bi in -20.0..20.0f64,
        lt in 0.0..20.0f64,
        share in 0.0..=1.0f64,
        figs in proptest::collection::vec(-5.0..200.0f64, 6),
    ) {
        let mut s = Standard::preset(1, 2025);
        s.bundled.member_share = share;
        let members: Vec<MemberProgress> = va.iter().enumerate().map(|(i, v)| MemberProgress {
            school_id: i as i64, name: format!("m{i}"), value_added: *v, balance_improvement: Some(bi),
        }).collect();
        let input = CommunityInput { metrics: vec![mv(MetricKey::LongTermExchanges, lt)], ..Default::default() };
        let r = bundled_assessment(&s, &input, &members).unwrap();
        prop_assert!((0.0..=100.0).contains(&r.score));
        prop_assert!((0.0..=100.0).contains(&r.member_progress));
        let keys = [COVERAGE_RATE, STANDARD_PASS_SHARE, MEAN_BUNDLED_SCORE, BALANCE_CV_PASS_SHARE,
                    MEAN_VALUE_ADDED, EXCHANGE_RATIO];
        let map: BTreeMap<String, f64> = keys.iter().map(|k| k.to_string()).zip(figs).collect();
        let d = development_index(&IndexFormula::preset(), 1, 2025, &map).unwrap();
        prop_assert!((0.0..=100.0).contains(&d.index));
    }
}

#[test]
fn approved_project_score_in_the_preset() {
    let s = Standard::preset(1, 2025);
    let i = s
        .indicator("approved_project_score")
        .expect("in the preset");
    assert!(close(i.max_points, 3.0));
    let dim = s
        .dimensions
        .iter()
        .find(|d| {
            d.indicators
                .iter()
                .any(|x| x.key == "approved_project_score")
        })
        .unwrap();
    assert_eq!(dim.name, "协同发展");
    assert!(close(dim.weighted_max(), 20.0));
    assert_eq!(
        MetricKey::parse("approved_project_score"),
        Some(MetricKey::ApprovedProjectScore)
    );
    // Mean score 75: half the points; none approved (0): nothing.
    let card = |v: f64| {
        score_community(
            &s,
            &CommunityInput {
                metrics: vec![mv(MetricKey::ApprovedProjectScore, v)],
                ..Default::default()
            },
        )
        .unwrap()
    };
    let half = card(75.0);
    let p = find(&half, "approved_project_score");
    assert!(close(p.score, 1.5));
    assert_eq!(
        p.explanation,
        "通过评审项目平均得分 75 分，起评线 60 分、目标 90 分，按比例得 1.5 分（满分 3 分）"
    );
    assert!(close(find(&card(0.0), "approved_project_score").score, 0.0));
    assert!(close(
        find(&card(96.0), "approved_project_score").score,
        3.0
    ));
}
