//! Values that can only hold what the domain allows: an ODS code, a step key, a probability, minutes.
//! Each `parse` returns a plain message on failure; the caller adds the field name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Defines a closed set of upper-case names shared by the document, the database and GraphQL.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and exchanged name, e.g. `ACUTE_TRUST`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "'{s}' is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum! {
    /// What kind of body an organisation is.
    OrganisationKind {
        AmbulanceTrust = "AMBULANCE_TRUST",
        AcuteTrust = "ACUTE_TRUST",
        MentalHealthTrust = "MENTAL_HEALTH_TRUST",
        CommunityTrust = "COMMUNITY_TRUST",
        PrimaryCare = "PRIMARY_CARE",
        SocialCare = "SOCIAL_CARE",
        IntegratedCareBoard = "INTEGRATED_CARE_BOARD",
        Other = "OTHER",
    }
}

string_enum! {
    /// Where a pathway is in its life: drafts change, published maps are fixed, archived ones retired.
    PathwayStatus {
        Draft = "DRAFT",
        Published = "PUBLISHED",
        Archived = "ARCHIVED",
    }
}

string_enum! {
    /// The shape of a step in the map.
    StepKind {
        Start = "START",
        Activity = "ACTIVITY",
        Decision = "DECISION",
        End = "END",
    }
}

string_enum! {
    /// The shape of a simulated time (a step's service time or a transition's delay).
    DistributionKind {
        Fixed = "FIXED",
        Exponential = "EXPONENTIAL",
        Lognormal = "LOGNORMAL",
        Gamma = "GAMMA",
        Triangular = "TRIANGULAR",
        Empirical = "EMPIRICAL",
    }
}

string_enum! {
    /// A day of the week (simulated time starts on a Monday at midnight).
    Weekday {
        Monday = "MONDAY",
        Tuesday = "TUESDAY",
        Wednesday = "WEDNESDAY",
        Thursday = "THURSDAY",
        Friday = "FRIDAY",
        Saturday = "SATURDAY",
        Sunday = "SUNDAY",
    }
}

string_enum! {
    /// Lean value classification of a step, from the patient's point of view.
    ValueClass {
        ValueAdding = "VALUE_ADDING",
        Necessary = "NECESSARY",
        Waste = "WASTE",
    }
}

string_enum! {
    /// The eight lean wastes (TIMWOODS).
    WasteKind {
        Transport = "TRANSPORT",
        Inventory = "INVENTORY",
        Motion = "MOTION",
        Waiting = "WAITING",
        Overproduction = "OVERPRODUCTION",
        OverProcessing = "OVER_PROCESSING",
        Defects = "DEFECTS",
        Skills = "SKILLS",
    }
}

string_enum! {
    /// How a patient (and their information) passes along a transition.
    Handoff {
        Internal = "INTERNAL",
        Referral = "REFERRAL",
        Transfer = "TRANSFER",
        Letter = "LETTER",
        Phone = "PHONE",
        Electronic = "ELECTRONIC",
        Discharge = "DISCHARGE",
    }
}

string_enum! {
    /// Where an improvement project is.
    ProjectStatus {
        Active = "ACTIVE",
        Sustaining = "SUSTAINING",
        Closed = "CLOSED",
    }
}

string_enum! {
    /// A team member's part in an improvement project.
    MemberRole {
        Sponsor = "SPONSOR",
        Lead = "LEAD",
        Manager = "MANAGER",
        Clinician = "CLINICIAN",
        Analyst = "ANALYST",
        PatientPartner = "PATIENT_PARTNER",
        Other = "OTHER",
    }
}

string_enum! {
    /// The family of measures of the Model for Improvement.
    MeasureKind {
        Outcome = "OUTCOME",
        Process = "PROCESS",
        Balancing = "BALANCING",
    }
}

string_enum! {
    /// A node of a driver diagram: aim → primary drivers → secondary drivers → change ideas.
    DriverKind {
        PrimaryDriver = "PRIMARY_DRIVER",
        SecondaryDriver = "SECONDARY_DRIVER",
        ChangeIdea = "CHANGE_IDEA",
    }
}

impl DriverKind {
    /// Whether a node of this kind may hang under a parent of that kind (`None`: the aim).
    pub fn may_follow(self, parent: Option<DriverKind>) -> bool {
        matches!(
            (self, parent),
            (DriverKind::PrimaryDriver, None)
                | (DriverKind::SecondaryDriver, Some(DriverKind::PrimaryDriver))
                | (
                    DriverKind::ChangeIdea,
                    Some(DriverKind::PrimaryDriver | DriverKind::SecondaryDriver)
                )
        )
    }

    /// The rules of a node of a driver diagram: it hangs under a parent it may follow, and only a
    /// change idea carries a what-if change set or points at a hotspot. Errors name `parentId`
    /// and `changes`. O(1).
    pub fn check_node(
        self,
        parent: Option<DriverKind>,
        carries_changes: bool,
        carries_hotspot: bool,
    ) -> Result<(), crate::InputErrors> {
        let mut errors = crate::InputErrors::default();
        if !self.may_follow(parent) {
            errors.push(
                "parentId",
                format!(
                    "a {self} cannot hang under {}",
                    parent.map_or("the aim".to_string(), |k| format!("a {k}"))
                ),
            );
        }
        if self != DriverKind::ChangeIdea && (carries_changes || carries_hotspot) {
            errors.push(
                "changes",
                "only a change idea carries a change set or a hotspot",
            );
        }
        errors.into_result(|| ())
    }
}

string_enum! {
    /// How a measure is charted.
    ChartType {
        Xmr = "XMR",
        Run = "RUN",
        P = "P",
        U = "U",
    }
}

string_enum! {
    /// Which way is better for a measure.
    ImprovementDirection {
        Increase = "INCREASE",
        Decrease = "DECREASE",
        Neutral = "NEUTRAL",
    }
}

impl From<ImprovementDirection> for crate::spc::Direction {
    fn from(d: ImprovementDirection) -> Self {
        match d {
            ImprovementDirection::Increase => crate::spc::Direction::Increase,
            ImprovementDirection::Decrease => crate::spc::Direction::Decrease,
            ImprovementDirection::Neutral => crate::spc::Direction::Neutral,
        }
    }
}

/// An organisation's ODS code (NHS Organisation Data Service): 3 to 10 upper-case letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OdsCode(String);

impl OdsCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if (3..=10).contains(&s.len()) && ok_chars {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "'{}' is not an ODS code (3 to 10 upper-case letters or digits)",
                shorten(s)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A step's key: unique within its pathway, stable across versions, used by transitions and
/// documents. 1 to 64 characters from letters, digits, `_`, `-` and `.`. Shared, not copied:
/// transitions, figures and routes all hold the same key, so cloning one costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepKey(std::sync::Arc<str>);

impl Serialize for StepKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl StepKey {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !s.is_empty() && s.len() <= Self::MAX_LEN && ok_chars {
            Ok(Self(s.into()))
        } else {
            Err(format!(
                "'{}' is not a step key (1 to {} letters, digits, '_', '-' or '.')",
                shorten(s),
                Self::MAX_LEN
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for StepKey {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for StepKey {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Display for StepKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A duration in minutes: finite, at least 0 and at most ten years.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Minutes(f64);

impl Minutes {
    pub const ZERO: Minutes = Minutes(0.0);
    /// Ten years: anything longer is a typing mistake, not a wait.
    pub const MAX: f64 = 10.0 * 365.25 * 24.0 * 60.0;

    pub fn parse(value: f64) -> Result<Self, String> {
        if value.is_finite() && (0.0..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else if value < 0.0 {
            Err(format!("must be 0 or more minutes, got {value}"))
        } else {
            Err(format!(
                "must be at most {} minutes (ten years), got {value}",
                Self::MAX
            ))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// The probability of taking a transition: greater than 0 and at most 1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Probability(f64);

impl Probability {
    pub const ONE: Probability = Probability(1.0);

    pub fn parse(value: f64) -> Result<Self, String> {
        if value.is_finite() && value > 0.0 && value <= 1.0 {
            Ok(Self(value))
        } else {
            Err(format!("must be greater than 0 and at most 1, got {value}"))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A percentage from 0 to 100 inclusive (for example %Complete and Accurate).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Percent(f64);

impl Percent {
    pub fn parse(value: f64) -> Result<Self, String> {
        if value.is_finite() && (0.0..=100.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!("must be from 0 to 100, got {value}"))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A rate in patients per day (demand or capacity): greater than 0 and at most a million.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct PerDay(f64);

impl PerDay {
    pub const MAX: f64 = 1_000_000.0;

    pub fn parse(value: f64) -> Result<Self, String> {
        if value.is_finite() && value > 0.0 && value <= Self::MAX {
            Ok(Self(value))
        } else {
            Err(format!(
                "must be more than 0 and at most {} patients per day, got {value}",
                Self::MAX
            ))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A required piece of text (a name): trimmed, not empty, at most `max` characters.
pub fn parse_text(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err("must not be empty".to_string())
    } else if trimmed.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(trimmed.to_string())
    }
}

/// Optional text: blank means absent; otherwise as [`parse_text`].
pub fn parse_optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_text(text, max).map(Some),
    }
}

/// Keeps messages short when someone pastes a paragraph into a code field.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ods_codes_are_three_to_ten_upper_case_letters_or_digits() {
        for good in ["RX1", "R0A", "Y05794", "QE1ABCDEF9"] {
            assert!(OdsCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "RX", "rx1", "RX-1", "ABCDEFGHIJK", "R X1"] {
            assert!(OdsCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn step_keys_allow_a_small_alphabet() {
        assert!(StepKey::parse("ed_triage-2.b").is_ok());
        assert!(StepKey::parse("").is_err());
        assert!(StepKey::parse("has space").is_err());
        assert!(StepKey::parse(&"k".repeat(65)).is_err());
    }

    #[test]
    fn probabilities_are_in_zero_exclusive_one_inclusive() {
        assert!(Probability::parse(1.0).is_ok());
        assert!(Probability::parse(0.0001).is_ok());
        for bad in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert!(Probability::parse(bad).is_err(), "{bad}");
        }
        assert!(Probability::parse(1.5).unwrap_err().contains("1.5"));
    }

    #[test]
    fn minutes_are_non_negative_and_finite() {
        assert!(Minutes::parse(0.0).is_ok());
        assert!(Minutes::parse(90.5).is_ok());
        assert!(Minutes::parse(-1.0).unwrap_err().contains("0 or more"));
        assert!(Minutes::parse(f64::NAN).is_err());
        assert!(Minutes::parse(Minutes::MAX * 2.0).is_err());
    }

    #[test]
    fn percent_and_rates_have_their_ranges() {
        assert!(Percent::parse(0.0).is_ok() && Percent::parse(100.0).is_ok());
        assert!(Percent::parse(100.1).is_err() && Percent::parse(-1.0).is_err());
        assert!(PerDay::parse(0.5).is_ok());
        assert!(PerDay::parse(0.0).is_err() && PerDay::parse(-3.0).is_err());
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for kind in OrganisationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganisationKind>(), Ok(*kind));
        }
        for w in WasteKind::ALL {
            assert_eq!(w.as_str().parse::<WasteKind>(), Ok(*w));
        }
        let err = "NOPE".parse::<Handoff>().unwrap_err();
        assert!(err.contains("REFERRAL"), "{err}");
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            parse_text("  Hip fracture ", 20),
            Ok("Hip fracture".to_string())
        );
        assert!(parse_text("   ", 10).is_err());
        assert!(parse_text("abcdef", 5).is_err());
        assert_eq!(parse_optional_text(Some("  "), 5), Ok(None));
    }
}

#[cfg(test)]
mod driver_rules {
    use super::DriverKind::*;

    #[test]
    fn nodes_hang_in_order_and_only_change_ideas_carry_changes() {
        assert!(PrimaryDriver.check_node(None, false, false).is_ok());
        assert!(
            ChangeIdea
                .check_node(Some(SecondaryDriver), true, true)
                .is_ok()
        );
        let errors = SecondaryDriver.check_node(None, true, false).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["parentId", "changes"]);
        assert!(PrimaryDriver.check_node(None, false, true).is_err());
    }
}
