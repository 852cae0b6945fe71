//! What the store hands back. Serialized as the JSON API's bodies.

use serde::{Deserialize, Serialize, Serializer};
use sqlx::FromRow;
use utoipa::ToSchema;

fn as_bool<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

/// A list page: `{"items":[…],"total":N}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Filters and paging shared by every list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Free-text search (name, code, staff number).
    pub q: Option<String>,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub community_id: Option<i64>,
    /// Stage key, e.g. `primary`.
    pub stage: Option<String>,
    /// Locality key, e.g. `rural`.
    pub locality: Option<String>,
    /// 1-based page (default 1).
    pub page: Option<i64>,
    /// Page size (default 20, at most 200).
    pub per_page: Option<i64>,
}

impl ListQuery {
    pub fn limit(&self) -> i64 {
        self.per_page.unwrap_or(20).clamp(1, 200)
    }
    pub fn offset(&self) -> i64 {
        (self.page.unwrap_or(1).max(1) - 1) * self.limit()
    }
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn q(&self) -> Option<String> {
        self.q
            .as_deref()
            .map(gongjin_domain::clean_text)
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Region {
    pub id: i64,
    pub name: String,
    /// `province`, `city` or `county`.
    pub level: String,
    pub parent_id: Option<i64>,
    /// Materialised path of ids, `/1/4/9/`.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct School {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub region_id: i64,
    pub region_name: String,
    pub stage: String,
    pub locality: String,
    pub ownership: String,
    pub address: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub primary_enrolment: i64,
    pub junior_enrolment: i64,
    pub class_count: i64,
    /// The community the school is in now, if any.
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    /// `core` or `member`.
    pub membership_role: Option<String>,
    pub teacher_count: i64,
}

impl School {
    /// The fields a caller would send to recreate this school (for PATCH merging).
    pub fn fields(&self) -> gongjin_domain::inputs::SchoolFields {
        gongjin_domain::inputs::SchoolFields {
            name: self.name.clone(),
            code: self.code.clone(),
            region_id: self.region_id,
            stage: self.stage.clone(),
            locality: self.locality.clone(),
            ownership: Some(self.ownership.clone()),
            address: Some(self.address.clone()),
            longitude: self.longitude,
            latitude: self.latitude,
            primary_enrolment: Some(self.primary_enrolment),
            junior_enrolment: Some(self.junior_enrolment),
            class_count: Some(self.class_count),
        }
    }
}

/// Subjects, stored joined by `、`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Subjects(pub Vec<String>);

impl From<String> for Subjects {
    fn from(s: String) -> Subjects {
        Subjects(gongjin_domain::inputs::split_subjects(&s))
    }
}

impl Subjects {
    pub fn joined(&self) -> String {
        self.0.join("、")
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Teacher {
    pub id: i64,
    pub staff_number: String,
    pub region_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_year: Option<i64>,
    pub school_id: i64,
    pub school_name: String,
    pub school_code: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Vec<String>)]
    pub subjects: Subjects,
    pub title: String,
    /// `none`, `county`, `city`, `province`.
    pub backbone_level: String,
    pub years_at_school: i64,
    /// Full number on a detail; lists mask it (`138****5678`).
    pub phone: Option<String>,
    pub status: String,
    /// 高于规定学历: 1 yes, 0 no.
    pub degree_above_standard: i64,
}

impl Teacher {
    pub fn fields(&self) -> gongjin_domain::inputs::TeacherFields {
        gongjin_domain::inputs::TeacherFields {
            staff_number: self.staff_number.clone(),
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_year: self.birth_year,
            school_id: self.school_id,
            subjects: self.subjects.0.clone(),
            title: Some(self.title.clone()),
            backbone_level: Some(self.backbone_level.clone()),
            years_at_school: Some(self.years_at_school),
            phone: self.phone.clone(),
            status: Some(self.status.clone()),
            degree_above_standard: Some(self.degree_above_standard != 0),
        }
    }
    pub fn mask_phone(mut self) -> Teacher {
        self.phone = self.phone.map(|p| gongjin_domain::mask_phone(&p));
        self
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Community {
    pub id: i64,
    pub name: String,
    pub region_id: i64,
    pub region_name: String,
    pub kind: String,
    pub core_school_id: i64,
    pub core_school_name: String,
    /// `none`, `municipal`, `provincial`.
    pub pilot_level: String,
    #[serde(serialize_with = "as_bool")]
    #[schema(value_type = bool)]
    pub cross_region: i64,
    pub first_responsible: String,
    pub second_responsible: String,
    pub bureau_leader: String,
    pub founded_on: String,
    /// The core school's batch (1 = 第一批).
    pub batch: i64,
    /// Schools in the community now, core included.
    pub school_count: i64,
}

impl Community {
    pub fn fields(&self) -> gongjin_domain::inputs::CommunityFields {
        gongjin_domain::inputs::CommunityFields {
            name: self.name.clone(),
            kind: self.kind.clone(),
            core_school_id: self.core_school_id,
            pilot_level: Some(self.pilot_level.clone()),
            cross_region: self.cross_region != 0,
            first_responsible: Some(self.first_responsible.clone()),
            second_responsible: Some(self.second_responsible.clone()),
            bureau_leader: Some(self.bureau_leader.clone()),
            founded_on: Some(self.founded_on.clone()),
            batch: Some(self.batch),
        }
    }
}

/// A school's membership of a community, current (`left_on` null) or past.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Membership {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub school_code: String,
    pub stage: String,
    pub locality: String,
    /// `core` or `member`.
    pub role: String,
    pub batch: i64,
    pub joined_on: String,
    pub left_on: Option<String>,
    pub school_leader: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CouncilSeat {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub role: String,
    pub school_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Document {
    pub id: i64,
    pub community_id: i64,
    /// `agreement`, `charter`, `plan`.
    pub kind: String,
    pub original_name: String,
    #[serde(skip)]
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: String,
}

/// A community with everything its detail page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityDetail {
    #[serde(flatten)]
    pub community: Community,
    pub members: Vec<Membership>,
    /// Ended memberships, newest first.
    pub history: Vec<Membership>,
    pub council: Vec<CouncilSeat>,
    pub documents: Vec<Document>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub scope_id: i64,
    pub display_name: String,
    #[serde(serialize_with = "as_bool")]
    #[schema(value_type = bool)]
    pub active: i64,
    pub created_at: String,
    /// Human name of the scope (region, community, school or teacher).
    pub scope_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub username: String,
    /// `create`, `update`, `delete`, `import`, `login` …
    pub action: String,
    /// `school`, `teacher`, `community`, …
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CommunityKind {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}
