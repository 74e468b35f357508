//! `qiflow token` and `qiflow audit`: administration directly on the database, with or without a
//! running server.

use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum TokenAction {
    /// Issue a token and print it alone on standard output (shown once; only its hash is kept).
    /// With --org-name and an ODS code that does not exist yet, the organisation is created
    /// first: this is how the first administrator of a new installation is made.
    Create {
        /// The person or system the token is for (created if new).
        #[arg(long)]
        principal: String,
        /// ODS code of the organisation the principal gets the role in.
        #[arg(long)]
        org: String,
        /// VIEWER, EDITOR or ADMIN.
        #[arg(long)]
        role: String,
        /// A system client (another trust's system): may also write events for its organisation.
        #[arg(long)]
        system: bool,
        /// Days until the token expires.
        #[arg(long, default_value_t = 90)]
        expires: i64,
        /// Create the organisation with this name if the ODS code is new.
        #[arg(long)]
        org_name: Option<String>,
        /// The identity provider's subject (`sub`) for this principal, for OIDC sign-in.
        #[arg(long)]
        oidc_subject: Option<String>,
        /// The principal already exists with memberships of other organisations, and this adds
        /// one (without it, reusing another organisation's principal is refused).
        #[arg(long)]
        existing: bool,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `token list`).
        id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
pub enum AuditAction {
    /// Print audit entries as JSON lines, oldest first.
    Export {
        /// Only entries naming this organisation (ODS code).
        #[arg(long)]
        org: Option<String>,
        /// Only entries since this instant (RFC 3339).
        #[arg(long)]
        since: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Issues, lists or revokes tokens.
pub async fn token(action: TokenAction, database_url: String) -> anyhow::Result<ExitCode> {
    let db = api::db::connect(&database_url).await?;
    api::db::migrate(&db).await?;
    match action {
        TokenAction::Create {
            principal,
            org,
            role,
            system,
            expires,
            org_name,
            oidc_subject,
            existing,
        } => {
            let role = api::caller::Role::parse(&role)
                .with_context(|| format!("--role: '{role}' is not VIEWER, EDITOR or ADMIN"))?;
            let (secret, _) = api::store::tokens::create_token(
                &db,
                &api::context::RequestContext::command("token create"),
                api::store::tokens::NewToken {
                    principal,
                    system,
                    organisation: org,
                    organisation_name: org_name,
                    role,
                    expires_in_days: expires,
                    name: None,
                    oidc_subject,
                    existing,
                    events_write: None,
                },
            )
            .await
            .map_err(api::Error::into_anyhow)?;
            println!("{secret}");
        }
        TokenAction::List => {
            for listed in
                api::store::tokens::list_with_memberships(&db, &api::caller::Caller::Installation)
                    .await
                    .map_err(api::Error::into_anyhow)?
            {
                let t = &listed.token;
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d")),
                    None if t.expires_at <= chrono::Utc::now() => "expired".to_string(),
                    None => format!("expires {}", t.expires_at.format("%Y-%m-%d")),
                };
                let kind = if listed.system { "system" } else { "person" };
                let roles = if listed.memberships.is_empty() {
                    "no membership".to_string()
                } else {
                    listed.memberships.join(", ")
                };
                let used = t.last_used_at.map_or("never used".to_string(), |at| {
                    format!("last used {}", at.format("%Y-%m-%d %H:%M"))
                });
                println!(
                    "{}  {}  {}  {kind}  {roles}  {state}  {used}",
                    t.id, t.principal, t.name
                );
            }
        }
        TokenAction::Revoke { id } => {
            let ctx = api::context::RequestContext::command("token revoke");
            api::store::tokens::revoke_token(&db, &ctx, id)
                .await
                .map_err(api::Error::into_anyhow)?;
            println!("revoked {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Exports the audit trail as JSON lines.
pub async fn audit(action: AuditAction, database_url: String) -> anyhow::Result<ExitCode> {
    let AuditAction::Export { org, since } = action;
    let db = api::db::connect(&database_url).await?;
    api::db::migrate(&db).await?;
    let installation = api::caller::Caller::Installation;
    let organisation_id = match org {
        Some(code) => Some(
            api::store::organisations::list(&db, &installation)
                .await
                .map_err(api::Error::into_anyhow)?
                .into_iter()
                .find(|o| o.organisation.ods_code.as_str() == code)
                .with_context(|| format!("--org: no organisation {code}"))?
                .id,
        ),
        None => None,
    };
    let filter = api::store::audit::AuditFilter {
        organisation_id,
        since,
        limit: u64::MAX,
        ..Default::default()
    };
    let mut stdout = std::io::stdout().lock();
    for entry in api::store::audit::audit_trail(&db, &installation, &filter)
        .await
        .map_err(api::Error::into_anyhow)?
    {
        writeln!(stdout, "{}", serde_json::to_string(&entry)?)?;
    }
    Ok(ExitCode::SUCCESS)
}
