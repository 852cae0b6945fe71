//! Who may read or change what. Pure decisions: the store resolves where a record sits
//! ([`Place`]) and where a caller is anchored ([`Principal`]); this module decides.
//!
//! Regions carry a materialised path (`/1/4/9/`), so "inside a region" is a prefix test.

use crate::enums::Role;
use serde::Serialize;

/// The kinds of record a route touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Resource {
    Region,
    School,
    Teacher,
    Community,
    /// Adding or ending a school's membership of a community.
    Membership,
    User,
    Audit,
    /// A region's own settings: coverage targets, community kinds (its bureau, inclusive).
    RegionSettings,
    /// An exchange record, at the place of one of its two schools (with the teacher's id).
    Exchange,
    /// An hours-ledger entry of an exchange: like [`Resource::Exchange`], and the teacher too.
    ExchangeHours,
    /// A mentoring pair, at the place of the mentor's or the apprentice's school (with that
    /// teacher's id): like [`Resource::Exchange`].
    Mentorship,
    /// A mentoring task's completion or a mentor's evaluation: like [`Resource::ExchangeHours`].
    MentorshipTask,
    /// A community's shared work: activities, synchronous lessons, support offers and orders.
    /// Sits at the community with the school that runs it (host, offering or ordering school):
    /// everyone in the community reads it; its lead and that school's coordinator write it.
    Activity,
    /// A teacher's own entries (reflections on activities, weekly teaching periods): the teacher
    /// writes them, as do the school's coordinator and the community's lead.
    TeacherEntry,
    /// A shared course, its deliveries, a library resource: at the place of the offering school.
    Sharing,
    /// A student pairing, joint event, "两帮一" group and its notes: at a school of the community
    /// (with the helping teacher's id for a group).
    StudentWork,
    /// A community's hardship fund: at the community (a disbursement also at the student's school).
    HardshipFund,
    /// Balance monitoring (优质均衡): a region's school conditions and figures. The region's bureau reads
    /// and imports, its inspectors read; community and school roles have no access (the figures compare
    /// schools across the whole county).
    Balance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    /// Create, update or delete.
    Write,
}

/// Where a record sits. For a region, `region_path` is its own path; for a school, teacher or
/// community, the path of the region it belongs to; for a user, the place of its scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub region_path: String,
    pub community_id: Option<i64>,
    pub school_id: Option<i64>,
    pub teacher_id: Option<i64>,
}

/// A signed-in caller and where its scope puts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub scope_id: i64,
    /// The region path of the scope (the region itself, or the region of the community, school, teacher).
    pub region_path: String,
    /// The community the scope belongs to, if any.
    pub community_id: Option<i64>,
    /// The school of a school coordinator or teacher.
    pub school_id: Option<i64>,
    /// The teacher record of a teacher.
    pub teacher_id: Option<i64>,
}

fn inside(path: &str, ancestor: &str) -> bool {
    !ancestor.is_empty() && path.starts_with(ancestor)
}

impl Principal {
    /// Whether the caller may perform `action` on a record of kind `res` at `place`.
    pub fn may(&self, action: Action, res: Resource, place: &Place) -> bool {
        use Action::{Read, Write};
        use Resource as R;
        if let Some(d) = self.may_community_ops(action, res, place) {
            return d;
        }
        match self.role {
            Role::BureauAdmin => match (res, action) {
                (R::RegionSettings, _) => inside(&place.region_path, &self.region_path),
                // A bureau sees its own region but changes only the regions below it.
                (R::Region, Write) => {
                    inside(&place.region_path, &self.region_path)
                        && place.region_path != self.region_path
                }
                _ => inside(&place.region_path, &self.region_path),
            },
            Role::Inspector => action == Read && inside(&place.region_path, &self.region_path),
            Role::CommunityLead => {
                let in_community =
                    place.community_id.is_some() && place.community_id == self.community_id;
                match (res, action) {
                    (R::Region, Read) => self.is_ancestor_region(place),
                    (R::Community, _) => in_community,
                    (R::School | R::Teacher, Read) => in_community,
                    (
                        R::Exchange
                        | R::ExchangeHours
                        | R::Mentorship
                        | R::MentorshipTask
                        | R::Activity
                        | R::TeacherEntry,
                        _,
                    ) => in_community,
                    _ => false,
                }
            }
            Role::SchoolCoordinator => {
                let own_school = place.school_id.is_some() && place.school_id == self.school_id;
                match (res, action) {
                    (R::Region, Read) => self.is_ancestor_region(place),
                    (
                        R::School
                        | R::Teacher
                        | R::Exchange
                        | R::ExchangeHours
                        | R::Mentorship
                        | R::MentorshipTask
                        | R::TeacherEntry,
                        _,
                    ) => own_school,
                    (R::Activity, Write) => own_school,
                    (R::Community | R::Activity, Read) => {
                        place.community_id.is_some() && place.community_id == self.community_id
                    }
                    _ => false,
                }
            }
            Role::Teacher => match (res, action) {
                (R::Region, Read) => self.is_ancestor_region(place),
                (R::Teacher, Read) => {
                    place.teacher_id.is_some() && place.teacher_id == self.teacher_id
                }
                (R::School, Read) => place.school_id.is_some() && place.school_id == self.school_id,
                (R::Community | R::Activity, Read) => {
                    place.community_id.is_some() && place.community_id == self.community_id
                }
                (R::Exchange | R::Mentorship, Read)
                | (R::ExchangeHours | R::MentorshipTask | R::TeacherEntry, _) => {
                    place.teacher_id.is_some() && place.teacher_id == self.teacher_id
                }
                _ => false,
            },
        }
    }

    /// Shared courses and resources, students' work and the hardship fund (the region-scoped
    /// roles follow the general rule). A community lead runs its community; a coordinator reads
    /// its community and writes for its own school; a teacher reads shared courses, resources and
    /// students' work of its community and writes the notes of its own "两帮一" groups.
    fn may_community_ops(&self, action: Action, res: Resource, place: &Place) -> Option<bool> {
        use Resource as R;
        if !matches!(res, R::Sharing | R::StudentWork | R::HardshipFund)
            || matches!(self.role, Role::BureauAdmin | Role::Inspector)
        {
            return None;
        }
        let in_community = place.community_id.is_some() && place.community_id == self.community_id;
        let own_school = place.school_id.is_some() && place.school_id == self.school_id;
        let own_self = place.teacher_id.is_some() && place.teacher_id == self.teacher_id;
        Some(match (self.role, res, action) {
            (Role::CommunityLead, _, _) => in_community,
            (Role::SchoolCoordinator, _, Action::Read) => in_community || own_school,
            (Role::SchoolCoordinator, _, Action::Write) => own_school,
            (Role::Teacher, R::Sharing, Action::Read) => in_community || own_school,
            (Role::Teacher, R::StudentWork, Action::Read) => in_community || own_self,
            (Role::Teacher, R::StudentWork, Action::Write) => own_self,
            _ => false,
        })
    }

    /// A region that contains the caller's anchor (so its name can be shown to them).
    fn is_ancestor_region(&self, place: &Place) -> bool {
        inside(&self.region_path, &place.region_path)
    }

    /// Whether the role may hold an account-management page at all.
    pub fn manages_users(&self) -> bool {
        self.role == Role::BureauAdmin
    }

    /// Whether the role writes anything at all (inspectors never do).
    pub fn is_read_only(&self) -> bool {
        self.role == Role::Inspector
    }

    /// SQL-side filter: the region path prefix that bounds every list this caller sees, when
    /// the role is region-scoped.
    pub fn region_prefix(&self) -> Option<&str> {
        matches!(self.role, Role::BureauAdmin | Role::Inspector)
            .then_some(self.region_path.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            scope_id: 1,
            region_path: "/1/2/3/".into(),
            community_id: Some(10),
            school_id: Some(100),
            teacher_id: Some(1000),
        }
    }

    fn place(path: &str, c: Option<i64>, s: Option<i64>, t: Option<i64>) -> Place {
        Place {
            region_path: path.into(),
            community_id: c,
            school_id: s,
            teacher_id: t,
        }
    }

    #[test]
    fn bureau_admin_is_bounded_by_its_region() {
        let a = p(Role::BureauAdmin);
        let inside = place("/1/2/3/", Some(99), Some(5), None);
        let sibling = place("/1/2/4/", Some(10), Some(100), None);
        assert!(a.may(Action::Write, Resource::School, &inside));
        assert!(!a.may(Action::Read, Resource::School, &sibling));
        assert!(a.may(
            Action::Read,
            Resource::Region,
            &place("/1/2/3/", None, None, None)
        ));
        assert!(!a.may(
            Action::Write,
            Resource::Region,
            &place("/1/2/3/", None, None, None)
        ));
        assert!(a.may(
            Action::Write,
            Resource::Region,
            &place("/1/2/3/7/", None, None, None)
        ));
        // a path that merely shares a prefix string is not inside: "/1/2/33/" vs "/1/2/3/"
        assert!(!a.may(
            Action::Read,
            Resource::School,
            &place("/1/2/33/", None, None, None)
        ));
    }

    #[test]
    fn inspector_never_writes() {
        let i = p(Role::Inspector);
        let here = place("/1/2/3/", Some(10), Some(100), Some(1000));
        for res in [
            Resource::Region,
            Resource::School,
            Resource::Teacher,
            Resource::Community,
            Resource::User,
            Resource::Membership,
        ] {
            assert!(!i.may(Action::Write, res, &here), "{res:?}");
        }
        assert!(i.may(Action::Read, Resource::Teacher, &here));
        assert!(i.may(Action::Read, Resource::Audit, &here));
    }

    #[test]
    fn coordinator_owns_its_school_only() {
        let c = p(Role::SchoolCoordinator);
        assert!(c.may(
            Action::Write,
            Resource::Teacher,
            &place("/1/2/3/", Some(10), Some(100), Some(5))
        ));
        assert!(!c.may(
            Action::Write,
            Resource::Teacher,
            &place("/1/2/3/", Some(10), Some(101), Some(6))
        ));
        assert!(c.may(
            Action::Read,
            Resource::Community,
            &place("/1/2/3/", Some(10), None, None)
        ));
        assert!(!c.may(
            Action::Write,
            Resource::Community,
            &place("/1/2/3/", Some(10), None, None)
        ));
        assert!(!c.may(
            Action::Write,
            Resource::Membership,
            &place("/1/2/3/", Some(10), None, None)
        ));
        assert!(c.may(
            Action::Read,
            Resource::Region,
            &place("/1/", None, None, None)
        ));
        assert!(!c.may(
            Action::Read,
            Resource::Region,
            &place("/1/2/4/", None, None, None)
        ));
    }

    #[test]
    fn lead_runs_its_community_but_not_membership() {
        let l = p(Role::CommunityLead);
        let own = place("/1/2/3/", Some(10), Some(7), None);
        let other = place("/1/2/3/", Some(11), Some(8), None);
        assert!(l.may(Action::Write, Resource::Community, &own));
        assert!(!l.may(Action::Write, Resource::Community, &other));
        assert!(l.may(Action::Read, Resource::Teacher, &own));
        assert!(!l.may(Action::Write, Resource::Teacher, &own));
        assert!(!l.may(Action::Write, Resource::Membership, &own));
        assert!(!l.may(Action::Read, Resource::School, &other));
    }

    #[test]
    fn exchanges_follow_their_schools_and_teacher() {
        let at = place("/1/2/3/", Some(10), Some(100), Some(1000));
        assert!(p(Role::SchoolCoordinator).may(Action::Write, Resource::Exchange, &at));
        assert!(p(Role::CommunityLead).may(Action::Write, Resource::Exchange, &at));
        assert!(!p(Role::Inspector).may(Action::Write, Resource::Exchange, &at));
        let t = p(Role::Teacher);
        assert!(t.may(Action::Read, Resource::Exchange, &at));
        assert!(!t.may(Action::Write, Resource::Exchange, &at));
        assert!(t.may(Action::Write, Resource::ExchangeHours, &at));
        assert!(!t.may(
            Action::Write,
            Resource::ExchangeHours,
            &place("/1/2/3/", Some(10), Some(100), Some(1001))
        ));
    }

    #[test]
    fn teacher_sees_self() {
        let t = p(Role::Teacher);
        assert!(t.may(
            Action::Read,
            Resource::Teacher,
            &place("/1/2/3/", Some(10), Some(100), Some(1000))
        ));
        assert!(!t.may(
            Action::Read,
            Resource::Teacher,
            &place("/1/2/3/", Some(10), Some(100), Some(1001))
        ));
        assert!(!t.may(
            Action::Write,
            Resource::Teacher,
            &place("/1/2/3/", Some(10), Some(100), Some(1000))
        ));
        assert!(t.may(
            Action::Read,
            Resource::School,
            &place("/1/2/3/", Some(10), Some(100), None)
        ));
    }

    #[test]
    fn community_operations_follow_the_roles() {
        let own = place("/1/2/3/", Some(10), Some(100), None);
        let member = place("/1/2/3/", Some(10), Some(101), None);
        let other = place("/1/2/3/", Some(11), Some(102), None);
        for res in [
            Resource::Sharing,
            Resource::StudentWork,
            Resource::HardshipFund,
        ] {
            assert!(p(Role::CommunityLead).may(Action::Write, res, &member));
            assert!(!p(Role::CommunityLead).may(Action::Read, res, &other));
            let c = p(Role::SchoolCoordinator);
            assert!(c.may(Action::Write, res, &own) && c.may(Action::Read, res, &member));
            assert!(!c.may(Action::Write, res, &member) && !c.may(Action::Read, res, &other));
            assert!(!p(Role::Inspector).may(Action::Write, res, &own));
            assert!(p(Role::Inspector).may(Action::Read, res, &own));
            assert!(!p(Role::Teacher).may(Action::Write, res, &own));
        }
        let t = p(Role::Teacher);
        assert!(!t.may(Action::Read, Resource::HardshipFund, &own));
        assert!(t.may(Action::Read, Resource::Sharing, &member));
        let group = place("/1/2/3/", Some(10), Some(101), Some(1000));
        assert!(t.may(Action::Write, Resource::StudentWork, &group));
        assert!(!t.may(
            Action::Write,
            Resource::StudentWork,
            &place("/1/2/3/", Some(10), Some(101), Some(1001))
        ));
    }
}
