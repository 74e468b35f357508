//! Who is calling. The HTTP layer authenticates each request into a [`Caller`]; resolvers take
//! it from one place (the request context) and hand it to the store, which is the only place
//! that decides what the caller may see and change.

use std::sync::Arc;
use uuid::Uuid;

/// A principal's role in an organisation, or the role a share grants: VIEWER < EDITOR < ADMIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "VIEWER",
            Role::Editor => "EDITOR",
            Role::Admin => "ADMIN",
        }
    }

    /// Reads a stored or typed role, case-insensitively.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_uppercase().as_str() {
            "VIEWER" => Some(Role::Viewer),
            "EDITOR" => Some(Role::Editor),
            "ADMIN" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A principal's membership of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Membership {
    pub organisation_id: Uuid,
    pub role: Role,
    /// May upload and append patient-level events for this organisation.
    pub events_write: bool,
}

/// An authenticated person or system client with its memberships (read from qiflow's own
/// tables, never from token claims).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub id: Uuid,
    pub name: String,
    pub system: bool,
    pub memberships: Vec<Membership>,
}

/// The identity behind a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The installation itself: the command line and the demo loader, never an HTTP request.
    Installation,
    /// An authenticated principal.
    Principal(Arc<Principal>),
    /// Nobody: sees nothing and may change nothing (what a request without a caller gets).
    Anonymous,
}

impl Caller {
    /// How the caller is named in histories and the audit trail.
    pub fn name(&self) -> &str {
        match self {
            Caller::Installation => "installation",
            Caller::Principal(p) => &p.name,
            Caller::Anonymous => "anonymous",
        }
    }

    /// The principal's id, if the caller is one.
    pub fn principal_id(&self) -> Option<Uuid> {
        match self {
            Caller::Principal(p) => Some(p.id),
            _ => None,
        }
    }

    /// The caller's role in an organisation: the installation is ADMIN everywhere.
    pub fn role_in(&self, organisation_id: Uuid) -> Option<Role> {
        match self {
            Caller::Installation => Some(Role::Admin),
            Caller::Principal(p) => p
                .memberships
                .iter()
                .find(|m| m.organisation_id == organisation_id)
                .map(|m| m.role),
            Caller::Anonymous => None,
        }
    }

    /// Whether the caller may write patient-level events for the organisation.
    pub fn may_write_events(&self, organisation_id: Uuid) -> bool {
        match self {
            Caller::Installation => true,
            Caller::Principal(p) => p
                .memberships
                .iter()
                .any(|m| m.organisation_id == organisation_id && m.events_write),
            Caller::Anonymous => false,
        }
    }

    /// The organisations the caller belongs to; `None` for the installation (all of them).
    pub fn organisation_ids(&self) -> Option<Vec<Uuid>> {
        match self {
            Caller::Installation => None,
            Caller::Principal(p) => Some(p.memberships.iter().map(|m| m.organisation_id).collect()),
            Caller::Anonymous => Some(Vec::new()),
        }
    }

    /// Whether the caller administers at least one organisation.
    pub fn is_admin_somewhere(&self) -> bool {
        match self {
            Caller::Installation => true,
            Caller::Principal(p) => p.memberships.iter().any(|m| m.role == Role::Admin),
            Caller::Anonymous => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_memberships_decide() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        let org = Uuid::now_v7();
        let caller = Caller::Principal(Arc::new(Principal {
            id: Uuid::now_v7(),
            name: "p".into(),
            system: true,
            memberships: vec![Membership {
                organisation_id: org,
                role: Role::Editor,
                events_write: true,
            }],
        }));
        assert_eq!(caller.role_in(org), Some(Role::Editor));
        assert_eq!(caller.role_in(Uuid::now_v7()), None);
        assert!(caller.may_write_events(org));
        assert_eq!(Caller::Anonymous.organisation_ids(), Some(vec![]));
        assert_eq!(Caller::Installation.role_in(org), Some(Role::Admin));
    }
}
