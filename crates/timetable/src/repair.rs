//! Repair: from an existing timetable, after a change to the model (new synchronous links, a teacher leaving,
//! a locked joint block), find a feasible timetable that changes as few lessons as possible.

use serde::{Deserialize, Serialize};

use crate::eval::{Report, evaluate};
use crate::model::{Idx, Model, Slot, Timetable};
use crate::solve::{Options, Search};

/// One changed lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub activity: Idx,
    pub id: u32,
    pub from: Option<Slot>,
    pub to: Option<Slot>,
    pub from_room: Option<Idx>,
    pub to_room: Option<Idx>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepairResult {
    pub timetable: Timetable,
    pub report: Report,
    pub changes: Vec<Change>,
    pub iterations: u64,
}

/// Cost of moving one lesson, in thousandths of a soft unit: above any realistic soft cost, below any hard one.
pub const CHANGE_COST: i64 = 1_000_000;

/// Repair `existing` for the (changed) model. Locked activities (`fixed`) never move; every other move costs
/// [`CHANGE_COST`], so the search trades hard violations first, then changed lessons, then soft cost.
pub fn repair(
    m: &Model,
    existing: &Timetable,
    opts: &Options,
    should_stop: &mut dyn FnMut() -> bool,
) -> Result<RepairResult, crate::Error> {
    m.validate()?;
    let mut s = Search::new(m, opts.seed);
    s.start_from(existing, CHANGE_COST);
    let (tt, iterations, _) = s.run(opts, should_stop);
    let report = evaluate(m, &tt);
    let changes = (0..m.activities.len())
        .filter_map(|a| {
            let from = existing.slots.get(a).copied().flatten();
            let from_room = existing.rooms.get(a).copied().flatten();
            let (to, to_room) = (tt.slots[a], tt.rooms[a]);
            (from != to || (from_room.is_some() && from_room != to_room)).then(|| Change {
                activity: a as Idx,
                id: m.activities[a].id,
                from,
                to,
                from_room,
                to_room,
            })
        })
        .collect();
    Ok(RepairResult {
        timetable: tt,
        report,
        changes,
        iterations,
    })
}
