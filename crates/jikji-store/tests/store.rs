//! The same suite against SQLite (temp dir) and PostgreSQL.
//!
//! PostgreSQL: `JIKJI_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! Each test gets its own schema (`jikji_t_<uuid>`, selected through the connection's
//! `search_path`) and drops it afterwards, so tests run in parallel without colliding.
//! If the server is unreachable the Postgres tests print a notice and pass, unless
//! `JIKJI_REQUIRE_POSTGRES=1` (CI), in which case they fail.

use std::future::Future;
use std::io::Write as _;
use std::time::Duration;

use jikji_store::{
    AttemptOutcome, CallRecord, DeliveryStatus, NewDelivery, UsageBatch,
    Backend, NewCorrection, DocKind, DomainKind, DomainPatch, NewDomain, NewTemplate, Store, StoreError,
    UsageDelta, UsageRow,
};
use sqlx::Connection as _;

#[path = "store_batch/mod.rs"]
mod store_batch;
use store_batch::*;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Run `body` with the URL of a fresh database of the given backend, then clean up
/// (even if `body` panics).
async fn with_db<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            // A subdirectory that does not exist yet: open() must create it.
            let url = format!("sqlite://{}/nested/jikji.db", dir.path().display());
            let result = tokio::spawn(body(url)).await;
            drop(dir);
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        Backend::Postgres => {
            let Some((base, schema)) = postgres_schema().await else {
                return;
            };
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options[search_path]={schema}");
            let result = tokio::spawn(body(url)).await;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn)
                    .await;
                let _ = conn.close().await;
            }
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

/// Create a unique schema; `None` (after a notice) if Postgres is unreachable and not required.
async fn postgres_schema() -> Option<(String, String)> {
    let base = std::env::var("JIKJI_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_PG_URL.to_string());
    let required = std::env::var("JIKJI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let connected =
        tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&base)).await;
    let mut conn = match connected {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return skip_or_fail(required, &base, &e.to_string()),
        Err(_) => return skip_or_fail(required, &base, "timed out after 5 s"),
    };
    let schema = format!("jikji_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create test schema");
    let _ = conn.close().await;
    Some((base, schema))
}

fn skip_or_fail<T>(required: bool, url: &str, why: &str) -> Option<T> {
    if required {
        panic!("PostgreSQL at {url} is required (JIKJI_REQUIRE_POSTGRES=1) but unreachable: {why}");
    }
    // Straight to stderr so the notice shows despite test output capture.
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: skipping PostgreSQL test: {url} unreachable ({why}); set JIKJI_REQUIRE_POSTGRES=1 to fail instead"
    );
    None
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::with_db(jikji_store::Backend::Sqlite, |url| crate::$name(url, jikji_store::Backend::Sqlite)).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::with_db(jikji_store::Backend::Postgres, |url| crate::$name(url, jikji_store::Backend::Postgres)).await
                }
            )*
        }
    };
}

on_both_backends!(
    create_list_show,
    invoke_key_lookup,
    secrets_verify_and_rotate,
    update_fields,
    nullable_float_rebinds_on_one_connection,
    invalid_input_rejected,
    delete_removes_domain_and_usage,
    quota_exhaustion,
    quota_concurrent_never_exceeds_limit,
    usage_recording,
    migrations_idempotent,
    templates_versions_release_rollback,
    templates_belong_to_template_domains,
    accounts_sessions_tokens_audit,
    corrections_stored_listed_paged_and_deleted_with_their_domain,
    batch_claims_leases_and_finishing,
    batch_concurrent_claims_never_overlap,
    batch_job_states,
    batch_large_job_is_inserted_in_chunks,
    daily_usage_of_two_replicas_adds_up,
    quota_counts_are_handed_out_once,
    webhook_deliveries_queue_once_and_lease,
    shared_rate_bucket_holds_across_handles,
);

async fn accounts_sessions_tokens_audit(url: String, _backend: Backend) {
    use jikji_store::{NewUser, Role, UserPatch};
    let store = Store::open(&url).await.unwrap();
    assert!(!store.has_accounts().await.unwrap());
    let new = |name: &str, role| NewUser {
        username: name.into(),
        password: "correct horse".into(),
        role,
        domains: None,
    };
    let admin = store.create_user(new("boss", Role::Admin)).await.unwrap();
    assert!(store.has_accounts().await.unwrap());
    assert!(store.create_user(new("boss", Role::Viewer)).await.is_err(), "names are unique");
    assert!(store.create_user(new("bad name", Role::Viewer)).await.is_err());
    let mut restricted = new("shop", Role::Operator);
    restricted.domains = Some(vec![7, 3]);
    let op = store.create_user(restricted).await.unwrap();
    assert_eq!(op.domains, Some(vec![3, 7]));
    assert_eq!(store.count_admins().await.unwrap(), 1);
    // logins
    assert_eq!(store.check_login("boss", "correct horse").await.unwrap(), Some(admin.clone()));
    assert_eq!(store.check_login("boss", "wrong horse").await.unwrap(), None);
    assert_eq!(store.check_login("ghost", "correct horse").await.unwrap(), None);
    // sessions: opened, found by cookie, ended by logout, by a new password, or by expiry
    let s = store.create_session(op.id, 60_000).await.unwrap();
    assert_eq!(store.session(&s.cookie).await.unwrap().unwrap().user, op);
    assert_eq!(store.session("not-a-cookie").await.unwrap(), None);
    store.delete_session(&s.cookie).await.unwrap();
    assert_eq!(store.session(&s.cookie).await.unwrap(), None);
    let s = store.create_session(op.id, 60_000).await.unwrap();
    let patch = UserPatch { password: Some("another horse".into()), ..Default::default() };
    store.update_user(op.id, patch).await.unwrap().unwrap();
    assert_eq!(store.session(&s.cookie).await.unwrap(), None, "a new password ends sessions");
    assert!(store.check_login("shop", "another horse").await.unwrap().is_some());
    let s = store.create_session(op.id, -1).await.unwrap();
    assert_eq!(store.session(&s.cookie).await.unwrap(), None, "expired");
    let patch = UserPatch { role: Some(Role::Viewer), domains: Some(None), ..Default::default() };
    let op = store.update_user(op.id, patch).await.unwrap().unwrap();
    assert_eq!((op.role, op.domains), (Role::Viewer, None));
    // tokens: shown once, found by value, listed without it
    let t = store.create_token("ci", Role::Operator, Some(vec![1])).await.unwrap();
    assert!(t.secret.starts_with("jkt_"));
    assert_eq!(store.find_token(&t.secret).await.unwrap(), Some(t.token.clone()));
    assert_eq!(store.find_token("jkt_wrong").await.unwrap(), None);
    assert_eq!(store.list_tokens().await.unwrap(), vec![t.token.clone()]);
    assert!(store.delete_token(t.token.id).await.unwrap());
    assert_eq!(store.find_token(&t.secret).await.unwrap(), None);
    // the audit log, newest first, paged
    for i in 0..3 {
        store.audit("user:boss", "POST /admin/v1/domains", &format!("/admin/v1/domains/{i}"), 201).await.unwrap();
    }
    let log = store.audit_log(2, None).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].target, "/admin/v1/domains/2");
    let older = store.audit_log(10, Some(log[1].id)).await.unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].target, "/admin/v1/domains/0");
    assert!(store.delete_user(op.id).await.unwrap());
    assert!(!store.delete_user(op.id).await.unwrap());
}

async fn create_list_show(url: String, backend: Backend) {
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), backend);
    store.ping().await.unwrap();
    assert!(store.list_domains().await.unwrap().is_empty());

    let mut new = NewDomain::new(
        "receipts",
        DomainKind::Document(vec![DocKind::IdCard, DocKind::Receipt]),
    );
    new.lang = "ko,ja".into();
    new.rate_limit_per_sec = Some(2.5);
    new.rate_burst = Some(5);
    new.monthly_quota = Some(1000);
    let created = store.create_domain(new).await.unwrap();
    let d = &created.domain;
    assert!(d.id > 0);
    assert_eq!(d.name, "receipts");
    assert_eq!(
        d.kind,
        DomainKind::Document(vec![DocKind::Receipt, DocKind::IdCard])
    );
    assert_eq!(d.lang, "ko,ja");
    assert!(!d.table_detection);
    assert_eq!(d.rate_limit_per_sec, Some(2.5));
    assert_eq!(d.rate_burst, Some(5));
    assert_eq!(d.monthly_quota, Some(1000));
    assert!(d.created_at > 1_700_000_000_000);
    assert_eq!(d.invoke_key.len(), 64);
    assert!(d
        .invoke_key
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(created.secret.len(), 44);
    assert!(created.secret.ends_with('='));

    let mut g = NewDomain::new("general one", DomainKind::General);
    g.table_detection = true;
    let general = store.create_domain(g).await.unwrap().domain;
    assert!(general.id > d.id);
    assert!(general.table_detection);
    assert_eq!(general.rate_limit_per_sec, None);
    assert_eq!(general.monthly_quota, None);
    assert_ne!(general.invoke_key, d.invoke_key);
    let template = store
        .create_domain(NewDomain::new("forms", DomainKind::Template))
        .await
        .unwrap()
        .domain;

    let all = store.list_domains().await.unwrap();
    assert_eq!(
        all.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![d.id, general.id, template.id]
    );
    assert_eq!(&all[0], d);
    assert_eq!(
        store.get_domain(general.id).await.unwrap().as_ref(),
        Some(&general)
    );
    assert_eq!(
        store.get_domain(template.id).await.unwrap().unwrap().kind,
        DomainKind::Template
    );
    assert!(store.get_domain(9_999_999).await.unwrap().is_none());

    // Serialisation: kind as a string, document kinds beside it, no secret hash.
    let json = serde_json_value(d);
    assert!(json.contains("\"kind\":\"document\""), "{json}");
    assert!(
        json.contains("\"document_kinds\":[\"receipt\",\"id-card\"]"),
        "{json}"
    );
    assert!(!json.contains("secret"), "{json}");
    assert!(!format!("{d:?}").contains("secret_sha256"));
    assert_eq!(
        d.operation_paths(),
        vec!["/document/receipt", "/document/id-card"]
    );
    assert_eq!(general.operation_paths(), vec!["/general"]);
    assert_eq!(template.operation_paths(), vec!["/infer"]);
    store.close().await;
}

fn serde_json_value<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

async fn invoke_key_lookup(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let a = store
        .create_domain(NewDomain::new("a", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let b = store
        .create_domain(NewDomain::new("b", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert_eq!(
        store
            .find_by_invoke(a.id, &a.invoke_key)
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert_eq!(
        store
            .find_by_invoke(b.id, &b.invoke_key)
            .await
            .unwrap()
            .unwrap()
            .id,
        b.id
    );
    // Another domain's key, a wrong key, a truncated key, an unknown id.
    assert!(store
        .find_by_invoke(a.id, &b.invoke_key)
        .await
        .unwrap()
        .is_none());
    let mut wrong = a.invoke_key.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(63.., last);
    assert!(store.find_by_invoke(a.id, &wrong).await.unwrap().is_none());
    assert!(store
        .find_by_invoke(a.id, &a.invoke_key[..63])
        .await
        .unwrap()
        .is_none());
    assert!(store.find_by_invoke(a.id, "").await.unwrap().is_none());
    assert!(store
        .find_by_invoke(a.id, &a.invoke_key.to_uppercase())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_by_invoke(b.id + 100, &b.invoke_key)
        .await
        .unwrap()
        .is_none());
}

async fn secrets_verify_and_rotate(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let created = store
        .create_domain(NewDomain::new("s", DomainKind::General))
        .await
        .unwrap();
    let id = created.domain.id;
    let old = created.secret;
    let d = store.get_domain(id).await.unwrap().unwrap();
    assert!(d.verify_secret(&old));
    assert!(!d.verify_secret(""));
    assert!(!d.verify_secret(&old[..43]));
    assert!(!d.verify_secret(&format!("{old} ")));
    assert!(!d.verify_secret(&old.to_lowercase()));

    let new = store.rotate_secret(id).await.unwrap().unwrap();
    assert_ne!(new, old);
    assert_eq!(new.len(), 44);
    let d = store.get_domain(id).await.unwrap().unwrap();
    assert!(d.verify_secret(&new));
    assert!(
        !d.verify_secret(&old),
        "old secret must stop working after rotation"
    );
    // The invoke key does not change on rotation.
    assert_eq!(d.invoke_key, created.domain.invoke_key);
    assert!(store.rotate_secret(id + 1000).await.unwrap().is_none());
}

async fn update_fields(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let g = store
        .create_domain(NewDomain::new("g", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let patch = DomainPatch {
        name: Some("renamed".into()),
        lang: Some("ja".into()),
        table_detection: Some(true),
        rate_limit_per_sec: Some(Some(10.0)),
        rate_burst: Some(Some(20)),
        monthly_quota: Some(Some(5)),
        document_kinds: None,
    };
    let u = store.update_domain(g.id, patch).await.unwrap().unwrap();
    assert_eq!(
        (
            u.name.as_str(),
            u.lang.as_str(),
            u.table_detection,
            u.rate_limit_per_sec,
            u.rate_burst,
            u.monthly_quota
        ),
        ("renamed", "ja", true, Some(10.0), Some(20), Some(5))
    );
    assert_eq!(u.invoke_key, g.invoke_key);
    assert_eq!(u.created_at, g.created_at);
    assert!(u.updated_at >= g.updated_at);
    assert_eq!(store.get_domain(g.id).await.unwrap().unwrap(), u);

    // Clearing limits; untouched fields stay.
    let patch = DomainPatch {
        rate_limit_per_sec: Some(None),
        monthly_quota: Some(None),
        ..Default::default()
    };
    let u = store.update_domain(g.id, patch).await.unwrap().unwrap();
    assert_eq!(
        (u.rate_limit_per_sec, u.monthly_quota, u.rate_burst),
        (None, None, Some(20))
    );
    assert_eq!(u.name, "renamed");

    // Empty patch still works (touches updated_at only).
    assert_eq!(
        store
            .update_domain(g.id, DomainPatch::default())
            .await
            .unwrap()
            .unwrap()
            .name,
        "renamed"
    );

    // Document kinds: only on document domains.
    let d = store
        .create_domain(NewDomain::new(
            "d",
            DomainKind::Document(vec![DocKind::Receipt]),
        ))
        .await
        .unwrap()
        .domain;
    let patch = DomainPatch {
        document_kinds: Some(vec![DocKind::Passport, DocKind::NameCard]),
        ..Default::default()
    };
    let u = store
        .update_domain(d.id, patch.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u.kind,
        DomainKind::Document(vec![DocKind::NameCard, DocKind::Passport])
    );
    assert!(store.update_domain(g.id, patch.clone()).await.is_err());
    let empty = DomainPatch {
        document_kinds: Some(vec![]),
        ..Default::default()
    };
    assert!(store.update_domain(d.id, empty).await.is_err());

    assert!(store
        .update_domain(d.id + 1000, patch)
        .await
        .unwrap()
        .is_none());
}

/// A rate limit, then none, then one again, over and over: calls made one after another take
/// the pool's one idle connection, so each statement runs again on the connection that
/// prepared it with the other kind of value (NULL vs a float). sqlx 0.8.6 declared a NULL
/// f64 as float4 there and PostgreSQL refused the next real rate with 22P03.
async fn nullable_float_rebinds_on_one_connection(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    // The pool hands a returned connection back asynchronously, so a call may open a second
    // one; 40 rounds meet every connection with both kinds of value (4 rounds did not).
    for i in 0..40 {
        let rate = if i % 2 == 0 { None } else { Some(1.5 + i as f64) };
        let mut n = NewDomain::new(format!("float-{i}"), DomainKind::General);
        n.rate_limit_per_sec = rate;
        let d = store.create_domain(n).await.unwrap().domain;
        assert_eq!(d.rate_limit_per_sec, rate);
        for patch_rate in [Some(2.5), None, Some(0.25)] {
            let patch = DomainPatch {
                rate_limit_per_sec: Some(patch_rate),
                ..DomainPatch::default()
            };
            let u = store.update_domain(d.id, patch).await.unwrap().unwrap();
            assert_eq!(u.rate_limit_per_sec, patch_rate);
        }
    }
}

async fn invalid_input_rejected(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let bad = [
        NewDomain::new("  ", DomainKind::General),
        NewDomain::new("x", DomainKind::Document(vec![])),
        NewDomain {
            lang: "".into(),
            ..NewDomain::new("x", DomainKind::General)
        },
        NewDomain {
            lang: "ko;drop".into(),
            ..NewDomain::new("x", DomainKind::General)
        },
        NewDomain {
            rate_limit_per_sec: Some(0.0),
            ..NewDomain::new("x", DomainKind::General)
        },
        NewDomain {
            rate_limit_per_sec: Some(f64::NAN),
            ..NewDomain::new("x", DomainKind::General)
        },
        NewDomain {
            rate_burst: Some(0),
            ..NewDomain::new("x", DomainKind::General)
        },
        NewDomain {
            monthly_quota: Some(-1),
            ..NewDomain::new("x", DomainKind::General)
        },
    ];
    for new in bad {
        let shown = format!("{new:?}");
        assert!(
            matches!(
                store.create_domain(new).await,
                Err(jikji_store::StoreError::Invalid(_))
            ),
            "accepted {shown}"
        );
    }
    assert!(store.list_domains().await.unwrap().is_empty());
    let d = store
        .create_domain(NewDomain::new("x", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert!(store.consume_quota(d.id, "2026-13", None).await.is_err());
    assert!(store
        .record_usage(d.id, "2026/11", UsageDelta::call("general"))
        .await
        .is_err());
    assert!(store
        .record_usage(d.id, "2026-11", UsageDelta::call(""))
        .await
        .is_err());
    assert!(store.usage(d.id, Some("nope")).await.is_err());
    assert!(Store::open("mysql://u:pw@localhost/db").await.is_err());
}

async fn delete_removes_domain_and_usage(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let a = store
        .create_domain(NewDomain::new("a", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let b = store
        .create_domain(NewDomain::new("b", DomainKind::General))
        .await
        .unwrap()
        .domain;
    for d in [&a, &b] {
        store
            .record_usage(d.id, "2026-11", UsageDelta::call("general"))
            .await
            .unwrap();
        assert!(store
            .consume_quota(d.id, "2026-11", Some(10))
            .await
            .unwrap());
    }
    assert!(store.delete_domain(a.id).await.unwrap());
    assert!(!store.delete_domain(a.id).await.unwrap());
    assert!(store.get_domain(a.id).await.unwrap().is_none());
    assert!(store
        .find_by_invoke(a.id, &a.invoke_key)
        .await
        .unwrap()
        .is_none());
    assert!(store.usage(a.id, None).await.unwrap().is_empty());
    assert_eq!(store.quota_used(a.id, "2026-11").await.unwrap(), 0);
    // The other domain is untouched.
    assert_eq!(store.list_domains().await.unwrap().len(), 1);
    assert_eq!(store.usage(b.id, None).await.unwrap().len(), 1);
    assert_eq!(store.quota_used(b.id, "2026-11").await.unwrap(), 1);
    // Ids are not reused after a delete.
    let c = store
        .create_domain(NewDomain::new("c", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert!(c.id > b.id);
    // Usage of a deleted domain (a call that raced with the delete) is dropped, not an error
    // that would lose the other domains' counts written with it.
    store
        .record_usage(a.id, "2026-11", UsageDelta::call("general"))
        .await
        .unwrap();
    assert!(store.usage(a.id, None).await.unwrap().is_empty());
}

async fn quota_exhaustion(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let d = store
        .create_domain(NewDomain::new("q", DomainKind::General))
        .await
        .unwrap()
        .domain;
    for _ in 0..3 {
        assert!(store.consume_quota(d.id, "2026-11", Some(3)).await.unwrap());
    }
    assert!(!store.consume_quota(d.id, "2026-11", Some(3)).await.unwrap());
    assert!(!store.consume_quota(d.id, "2026-11", Some(3)).await.unwrap());
    assert_eq!(store.quota_used(d.id, "2026-11").await.unwrap(), 3);
    // Raising the limit lets calls through again; a new month starts from zero.
    assert!(store.consume_quota(d.id, "2026-11", Some(4)).await.unwrap());
    assert!(!store.consume_quota(d.id, "2026-11", Some(4)).await.unwrap());
    assert!(store.consume_quota(d.id, "2026-12", Some(4)).await.unwrap());
    assert_eq!(store.quota_used(d.id, "2026-12").await.unwrap(), 1);
    // Zero quota: nothing passes; unlimited: everything passes and is counted.
    assert!(!store.consume_quota(d.id, "2027-01", Some(0)).await.unwrap());
    assert_eq!(store.quota_used(d.id, "2027-01").await.unwrap(), 0);
    for _ in 0..5 {
        assert!(store.consume_quota(d.id, "2027-02", None).await.unwrap());
    }
    assert_eq!(store.quota_used(d.id, "2027-02").await.unwrap(), 5);
    let fresh = store
        .create_domain(NewDomain::new("fresh", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let month = jikji_calendar::current_month();
    assert!(store
        .consume_quota(fresh.id, &month, Some(1))
        .await
        .unwrap());
    assert!(!store
        .consume_quota(fresh.id, &month, Some(1))
        .await
        .unwrap());
}

async fn quota_concurrent_never_exceeds_limit(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let d = store
        .create_domain(NewDomain::new("c", DomainKind::General))
        .await
        .unwrap()
        .domain;
    const LIMIT: i64 = 7;
    const TASKS: usize = 20;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut granted = 0;
            for _ in 0..3 {
                if store
                    .consume_quota(d.id, "2026-11", Some(LIMIT))
                    .await
                    .unwrap()
                {
                    granted += 1;
                }
            }
            granted
        }));
    }
    let mut granted = 0;
    for h in handles {
        granted += h.await.unwrap();
    }
    assert_eq!(
        granted, LIMIT,
        "exactly the quota must be granted across {TASKS} tasks"
    );
    assert_eq!(store.quota_used(d.id, "2026-11").await.unwrap(), LIMIT);
}

async fn usage_recording(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let d = store
        .create_domain(NewDomain::new("u", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let other = store
        .create_domain(NewDomain::new("o", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert!(store.usage(d.id, None).await.unwrap().is_empty());
    store
        .record_usage(
            d.id,
            "2026-11",
            UsageDelta {
                pages: 3,
                tables: 1,
                ..UsageDelta::call("general")
            },
        )
        .await
        .unwrap();
    store
        .record_usage(
            d.id,
            "2026-11",
            UsageDelta {
                pages: 2,
                failures: 1,
                ..UsageDelta::call("/general")
            },
        )
        .await
        .unwrap();
    store
        .record_usage(
            d.id,
            "2026-11",
            UsageDelta {
                pages: 1,
                ..UsageDelta::call("document/receipt")
            },
        )
        .await
        .unwrap();
    store
        .record_usage(
            d.id,
            "2026-10",
            UsageDelta {
                pages: 9,
                ..UsageDelta::call("general")
            },
        )
        .await
        .unwrap();
    store
        .record_usage(other.id, "2026-11", UsageDelta::call("general"))
        .await
        .unwrap();

    let row = |month: &str, op: &str, calls, pages, tables, failures| UsageRow {
        month: month.into(),
        operation: op.into(),
        calls,
        pages,
        tables,
        failures,
    };
    assert_eq!(
        store.usage(d.id, Some("2026-11")).await.unwrap(),
        vec![
            row("2026-11", "document/receipt", 1, 1, 0, 0),
            row("2026-11", "general", 2, 5, 1, 1)
        ]
    );
    assert_eq!(
        store.usage(d.id, None).await.unwrap(),
        vec![
            row("2026-10", "general", 1, 9, 0, 0),
            row("2026-11", "document/receipt", 1, 1, 0, 0),
            row("2026-11", "general", 2, 5, 1, 1),
        ]
    );
    assert!(store.usage(d.id, Some("2026-09")).await.unwrap().is_empty());
    assert_eq!(
        store.usage(other.id, None).await.unwrap(),
        vec![row("2026-11", "general", 1, 0, 0, 0)]
    );
    // Usage and quota are separate counters.
    assert_eq!(store.quota_used(d.id, "2026-11").await.unwrap(), 0);

    // Concurrent increments are not lost.
    let mut handles = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .record_usage(
                    d.id,
                    "2026-12",
                    UsageDelta {
                        pages: 2,
                        ..UsageDelta::call("infer")
                    },
                )
                .await
                .unwrap();
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(
        store.usage(d.id, Some("2026-12")).await.unwrap(),
        vec![row("2026-12", "infer", 20, 40, 0, 0)]
    );
}

async fn migrations_idempotent(url: String, _: Backend) {
    let first = Store::open(&url).await.unwrap();
    let created = first
        .create_domain(NewDomain::new("kept", DomainKind::Template))
        .await
        .unwrap();
    first
        .record_usage(created.domain.id, "2026-11", UsageDelta::call("infer"))
        .await
        .unwrap();
    // A second open while the first is live, and a third after it closed.
    let second = Store::open(&url).await.unwrap();
    assert_eq!(
        second.list_domains().await.unwrap(),
        vec![created.domain.clone()]
    );
    first.close().await;
    second.close().await;
    let third = Store::open(&url).await.unwrap();
    let d = third.get_domain(created.domain.id).await.unwrap().unwrap();
    assert!(d.verify_secret(&created.secret));
    assert_eq!(third.usage(d.id, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn default_url_opens_sqlite_under_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data dir");
    let url = Store::default_database_url(&data);
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store
        .create_domain(NewDomain::new("x", DomainKind::General))
        .await
        .unwrap();
    store.close().await;
    assert!(data.join("jikji.db").is_file());
}

#[tokio::test]
async fn in_memory_sqlite_works() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let d = store
        .create_domain(NewDomain::new("m", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert_eq!(store.list_domains().await.unwrap(), vec![d]);
}

fn new_template(name: &str, tag: &str) -> NewTemplate {
    NewTemplate {
        name: name.into(),
        definition: format!("{{\"def\":\"{tag}\"}}"),
        built: format!("{{\"built\":\"{tag}\"}}"),
        sample_page: "{\"words\":[]}".into(),
        sample_sha256: "ab".repeat(32),
    }
}

async fn templates_versions_release_rollback(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let d = store
        .create_domain(NewDomain::new("forms", DomainKind::Template))
        .await
        .unwrap()
        .domain;
    let t = store.create_template(d.id, new_template("order", "v1")).await.unwrap();
    assert_eq!((t.latest_version, t.released_version), (1, None));
    // A draft serves nothing.
    assert!(store.released_templates(d.id).await.unwrap().is_empty());
    let t = store.release_template(d.id, t.id, None).await.unwrap().unwrap();
    assert_eq!(t.released_version, Some(1));
    let served = store.released_templates(d.id).await.unwrap();
    assert_eq!(served.len(), 1);
    assert_eq!((served[0].version, served[0].built.as_str()), (1, "{\"built\":\"v1\"}"));

    // An edit is a draft: version 1 keeps serving.
    let t = store
        .update_template(d.id, t.id, new_template("order form", "v2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((t.latest_version, t.released_version, t.name.as_str()), (2, Some(1), "order form"));
    assert_eq!(store.released_templates(d.id).await.unwrap()[0].version, 1);
    let v2 = store.template_version(t.id, 2).await.unwrap().unwrap();
    assert_eq!(v2.definition, "{\"def\":\"v2\"}");
    assert_eq!(v2.sample_sha256, "ab".repeat(32));

    store.release_template(d.id, t.id, None).await.unwrap();
    store.update_template(d.id, t.id, new_template("order form", "v3")).await.unwrap();
    store.release_template(d.id, t.id, Some(3)).await.unwrap();
    assert_eq!(store.released_templates(d.id).await.unwrap()[0].built, "{\"built\":\"v3\"}");
    // Roll back walks the release history: 3 → 2 → 1, then nothing left.
    let t = store.rollback_template(d.id, t.id).await.unwrap().unwrap();
    assert_eq!(t.released_version, Some(2));
    let t = store.rollback_template(d.id, t.id).await.unwrap().unwrap();
    assert_eq!(t.released_version, Some(1));
    assert!(matches!(store.rollback_template(d.id, t.id).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.release_template(d.id, t.id, Some(9)).await, Err(StoreError::Invalid(_))));
    let actions: Vec<(String, Option<i64>, Option<i64>)> = store
        .template_history(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.version, e.previous))
        .collect();
    let expect: Vec<(String, Option<i64>, Option<i64>)> = [
        ("create", Some(1), None),
        ("release", Some(1), None),
        ("update", Some(2), None),
        ("release", Some(2), Some(1)),
        ("update", Some(3), None),
        ("release", Some(3), Some(2)),
        ("rollback", Some(2), Some(3)),
        ("rollback", Some(1), Some(2)),
    ]
    .into_iter()
    .map(|(a, v, p)| (a.to_string(), v, p))
    .collect();
    assert_eq!(actions, expect);

    // A second template; list, delete one, delete the domain.
    let t2 = store.create_template(d.id, new_template("receipt", "x")).await.unwrap();
    let names: Vec<String> = store.list_templates(d.id).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["order form", "receipt"]);
    assert_eq!(store.template_sample_hashes().await.unwrap(), vec!["ab".repeat(32)]);
    assert!(store.delete_template(d.id, t2.id).await.unwrap());
    assert!(!store.delete_template(d.id, t2.id).await.unwrap());
    assert!(store.get_template(d.id, t2.id).await.unwrap().is_none());
    assert!(store.delete_domain(d.id).await.unwrap());
    assert!(store.template_version(t.id, 1).await.unwrap().is_none());
    assert!(store.template_history(t.id).await.unwrap().is_empty());
}

async fn templates_belong_to_template_domains(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let general = store
        .create_domain(NewDomain::new("ocr", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let forms = store
        .create_domain(NewDomain::new("forms", DomainKind::Template))
        .await
        .unwrap()
        .domain;
    assert!(matches!(
        store.create_template(general.id, new_template("x", "1")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.create_template(forms.id + 100, new_template("x", "1")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.create_template(forms.id, new_template(" ", "1")).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad = new_template("x", "1");
    bad.sample_sha256 = "zz".into();
    assert!(matches!(store.create_template(forms.id, bad).await, Err(StoreError::Invalid(_))));
    // Another domain's template is not reachable through this one.
    let other = store
        .create_domain(NewDomain::new("other", DomainKind::Template))
        .await
        .unwrap()
        .domain;
    let t = store.create_template(other.id, new_template("x", "1")).await.unwrap();
    assert!(store.get_template(forms.id, t.id).await.unwrap().is_none());
    assert!(store.release_template(forms.id, t.id, None).await.unwrap().is_none());
    assert!(!store.delete_template(forms.id, t.id).await.unwrap());
    assert!(store.list_templates(forms.id).await.unwrap().is_empty());
}

fn new_correction(domain_id: i64, corrected: &str, crop: &[u8]) -> NewCorrection {
    NewCorrection {
        domain_id,
        image_sha256: "0f".repeat(32),
        page: 1,
        polygon: [1.0, 2.0, 30.0, 2.0, 30.0, 12.5, 1.0, 12.5],
        recognized: "사엄자".into(),
        corrected: corrected.into(),
        crop_png: crop.to_vec(),
        created_by: "reviewer".into(),
    }
}

async fn corrections_stored_listed_paged_and_deleted_with_their_domain(url: String, _: Backend) {
    let store = Store::open(&url).await.unwrap();
    let a = store.create_domain(NewDomain::new("a", DomainKind::General)).await.unwrap().domain;
    let b = store.create_domain(NewDomain::new("b", DomainKind::General)).await.unwrap().domain;
    let c1 = store.add_correction(new_correction(a.id, "사업자", b"png-1")).await.unwrap();
    let c2 = store.add_correction(new_correction(b.id, "등록", b"png-2")).await.unwrap();
    let c3 = store.add_correction(new_correction(a.id, "번호", &[0, 255, 0, 1])).await.unwrap();
    assert_eq!((c1.corrected.as_str(), c1.recognized.as_str(), c1.page), ("사업자", "사엄자", 1));
    assert_eq!(c1.polygon, vec![1.0, 2.0, 30.0, 2.0, 30.0, 12.5, 1.0, 12.5]);
    assert_eq!(c1.created_by, "reviewer");
    assert!(c1.created_at > 0);
    // Listing: by domain, paged by id.
    let ids = |v: Vec<jikji_store::Correction>| v.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_corrections(None, 0, 10).await.unwrap()), [c1.id, c2.id, c3.id]);
    assert_eq!(ids(store.list_corrections(Some(a.id), 0, 10).await.unwrap()), [c1.id, c3.id]);
    assert_eq!(ids(store.list_corrections(Some(a.id), c1.id, 10).await.unwrap()), [c3.id]);
    assert_eq!(ids(store.list_corrections(None, 0, 1).await.unwrap()), [c1.id]);
    // Crops come back byte for byte (BLOB / BYTEA).
    assert_eq!(store.correction_crop(c3.id).await.unwrap().unwrap(), [0, 255, 0, 1]);
    let with = store.corrections_with_crops(Some(a.id), 0, 10).await.unwrap();
    assert_eq!(with.iter().map(|(c, p)| (c.id, p.clone())).collect::<Vec<_>>(), [(c1.id, b"png-1".to_vec()), (c3.id, vec![0, 255, 0, 1])]);
    // Invalid input, an unknown domain.
    assert!(matches!(store.add_correction(new_correction(a.id, "", b"x")).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.add_correction(new_correction(b.id + 100, "x", b"x")).await, Err(StoreError::Invalid(_))));
    // Delete one; deleting a domain deletes its corrections.
    assert!(store.delete_correction(c2.id).await.unwrap());
    assert!(!store.delete_correction(c2.id).await.unwrap());
    assert!(store.delete_domain(a.id).await.unwrap());
    assert!(store.list_corrections(None, 0, 10).await.unwrap().is_empty());
    assert!(store.correction_crop(c1.id).await.unwrap().is_none());
}

fn call(domain_id: i64, at_ms: i64, op: &str, outcome: &str, latency_ms: Option<f64>) -> CallRecord {
    CallRecord {
        domain_id,
        at_ms,
        operation: op.into(),
        outcome: outcome.into(),
        pages: 1,
        table_pages: i64::from(op == "general"),
        validations: i64::from(op == "infer") * 2,
        latency_ms,
    }
}

/// Two store handles (two pools: two replicas) flush batches at once; the daily rows, histograms
/// and monthly rows add up exactly.
async fn daily_usage_of_two_replicas_adds_up(url: String, _: Backend) {
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    let d = a
        .create_domain(NewDomain::new("daily", DomainKind::General))
        .await
        .unwrap()
        .domain;
    // 2026-11-30 and 2026-12-01, UTC noon
    let (day1, day2) = (1_796_040_000_000_i64, 1_796_126_400_000_i64);
    let mut ba = UsageBatch::default();
    let mut bb = UsageBatch::default();
    for i in 0..100 {
        let (batch, at) = if i % 2 == 0 { (&mut ba, day1) } else { (&mut bb, day1) };
        batch.add(&call(d.id, at, "general", "success", Some(10.0 * (i + 1) as f64)));
    }
    ba.add(&call(d.id, day2, "document/receipt", "0011", None));
    bb.add(&call(d.id, day2, "infer", "FAILURE", Some(5.0)));
    bb.add(&call(d.id + 1000, day2, "general", "success", Some(5.0))); // no such domain: dropped
    let (ra, rb) = tokio::join!(a.record_usage_batch(&ba), b.record_usage_batch(&bb));
    ra.unwrap();
    rb.unwrap();
    let r = a.usage_daily(d.id, "2026-11-01", "2026-12-31").await.unwrap();
    assert_eq!(r.days.len(), 2);
    assert_eq!(r.days[0].day, "2026-11-30");
    assert_eq!((r.days[0].calls, r.days[0].successes, r.days[0].table_pages), (100, 100, 100));
    let l = &r.days[0].latency;
    assert_eq!(l.count, 100);
    // true p50 500 ms, p99 990 ms: the bucket edges are at most a fifth above
    let (p50, p99) = (l.p50_ms.unwrap(), l.p99_ms.unwrap());
    assert!(p50 > 500.0 && p50 <= 500.0 * 1.19, "{p50}");
    assert!(p99 > 990.0 && p99 <= 990.0 * 1.19, "{p99}");
    let d2 = &r.days[1];
    assert_eq!((d2.calls, d2.failures, d2.document_transactions, d2.template_transactions), (2, 2, 1, 1));
    assert_eq!(d2.validations, 2, "an /infer call that asked two validators");
    assert_eq!(r.days[0].validations, 0);
    assert_eq!(d2.outcomes.get("0011"), Some(&1));
    assert_eq!(d2.outcomes.get("FAILURE"), Some(&1));
    assert_eq!(d2.latency.count, 1, "the call without a latency is not in the histogram");
    assert_eq!(r.total.calls, 102);
    assert_eq!(r.total.validations, 2);
    assert_eq!(r.total.latency.count, 101);
    assert_eq!(r.total.operations["general"].calls, 100);
    // monthly rows from the same batches
    let nov = a.usage(d.id, Some("2026-11")).await.unwrap();
    assert_eq!((nov[0].calls, nov[0].pages, nov[0].tables), (100, 100, 100));
    let dec = a.usage(d.id, Some("2026-12")).await.unwrap();
    assert_eq!(dec.iter().map(|u| u.failures).sum::<i64>(), 2);
    // ranges are checked and bounded
    assert!(a.usage_daily(d.id, "2026-12-02", "2026-12-01").await.is_err());
    assert!(a.usage_daily(d.id, "2026-02-30", "2026-03-01").await.is_err());
    assert!(a.usage_daily(d.id, "2025-01-01", "2026-12-31").await.is_err());
    assert!(a.usage_daily(d.id, "2026-01-01", "2026-12-31").await.is_ok());
    // deleting the domain deletes its statistics
    assert!(a.delete_domain(d.id).await.unwrap());
    let r = a.usage_daily(d.id, "2026-11-01", "2026-12-31").await.unwrap();
    assert!(r.days.is_empty());
}

/// Concurrent callers on two handles: every count from 1 to the limit is handed out exactly once
/// (what raises each quota warning once).
async fn quota_counts_are_handed_out_once(url: String, _: Backend) {
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    let d = a
        .create_domain(NewDomain::new("q", DomainKind::General))
        .await
        .unwrap()
        .domain;
    const LIMIT: i64 = 10;
    let mut handles = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        handles.push(tokio::spawn(async move {
            store.consume_quota_counted(d.id, "2026-12", Some(LIMIT)).await.unwrap()
        }));
    }
    let mut counts: Vec<i64> = Vec::new();
    for h in handles {
        if let Some(c) = h.await.unwrap() {
            counts.push(c);
        }
    }
    counts.sort();
    assert_eq!(counts, (1..=LIMIT).collect::<Vec<_>>());
    // no limit: counted all the same
    assert_eq!(a.consume_quota_counted(d.id, "2026-12", None).await.unwrap(), Some(LIMIT + 1));
    assert_eq!(a.consume_quota_counted(d.id, "2026-12", Some(0)).await.unwrap(), None);
}

async fn webhook_deliveries_queue_once_and_lease(url: String, _: Backend) {
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    let d = a
        .create_domain(NewDomain::new("w", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let new = NewDelivery {
        domain_id: d.id,
        event: "quota.80".into(),
        month: "2026-12".into(),
        body: "{}".into(),
    };
    let id = a.enqueue_delivery(&new).await.unwrap().expect("queued");
    assert_eq!(b.enqueue_delivery(&new).await.unwrap(), None, "once per month");
    let other_month = NewDelivery { month: "2027-01".into(), ..new.clone() };
    assert!(b.enqueue_delivery(&other_month).await.unwrap().is_some());
    let gone = NewDelivery { domain_id: d.id + 1000, ..new.clone() };
    assert_eq!(a.enqueue_delivery(&gone).await.unwrap(), None, "no such domain");

    // two replicas claim at once: each delivery goes to one of them
    let (ca, cb) = tokio::join!(a.claim_deliveries(16, 60_000), b.claim_deliveries(16, 60_000));
    let (ca, cb) = (ca.unwrap(), cb.unwrap());
    let mut ids: Vec<i64> = ca.iter().chain(&cb).map(|d| d.id).collect();
    ids.sort();
    assert_eq!(ids.len(), 2, "{ca:?} {cb:?}");
    ids.dedup();
    assert_eq!(ids.len(), 2, "claimed twice: {ca:?} {cb:?}");
    assert!(ca.iter().chain(&cb).all(|d| d.attempts == 1));
    assert!(a.claim_deliveries(16, 60_000).await.unwrap().is_empty(), "leased");

    // a failed attempt with a retry in the future: pending, not due
    let later = jikji_calendar::now_millis() + 60_000;
    a.finish_delivery(
        id,
        &AttemptOutcome::Failed { http_status: Some(503), error: "HTTP status 503".into(), retry_at: Some(later) },
    )
    .await
    .unwrap();
    assert!(a.claim_deliveries(16, 60_000).await.unwrap().is_empty());
    // due now: claimed again, attempt 2, then delivered
    a.finish_delivery(
        id,
        &AttemptOutcome::Failed { http_status: None, error: "connection refused".into(), retry_at: Some(0) },
    )
    .await
    .unwrap();
    let again = b.claim_deliveries(16, 60_000).await.unwrap();
    assert_eq!((again.len(), again[0].id, again[0].attempts), (1, id, 2));
    b.finish_delivery(id, &AttemptOutcome::Delivered { http_status: 200 }).await.unwrap();
    let log = a.list_deliveries(Some(d.id), 10).await.unwrap();
    let first = log.iter().find(|l| l.id == id).unwrap();
    assert_eq!(first.status, DeliveryStatus::Delivered);
    assert_eq!((first.attempts, first.last_http_status), (2, Some(200)));
    assert_eq!(first.last_error.as_deref(), None);
    // a given-up delivery is logged as failed
    let other = log.iter().find(|l| l.id != id).unwrap().id;
    a.finish_delivery(other, &AttemptOutcome::Failed { http_status: None, error: "x".repeat(2000), retry_at: None })
        .await
        .unwrap();
    let log = a.list_deliveries(None, 10).await.unwrap();
    let failed = log.iter().find(|l| l.id == other).unwrap();
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.last_error.as_ref().unwrap().len(), 500, "bounded");
    assert!(a.claim_deliveries(16, 60_000).await.unwrap().is_empty());
}

async fn shared_rate_bucket_holds_across_handles(url: String, _: Backend) {
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    let d = a
        .create_domain(NewDomain::new("r", DomainKind::General))
        .await
        .unwrap()
        .domain;
    // a bucket of 4 refilled once every 1000 s: 4 tokens in all, whichever handle asks
    let mut taken = 0;
    for i in 0..10 {
        let s = if i % 2 == 0 { &a } else { &b };
        if s.take_rate_token(d.id, 0.001, 4.0).await.unwrap() {
            taken += 1;
        }
    }
    assert_eq!(taken, 4);
    // refill: 20 tokens/s → one every 50 ms
    let e = a
        .create_domain(NewDomain::new("r2", DomainKind::General))
        .await
        .unwrap()
        .domain;
    assert!(a.take_rate_token(e.id, 20.0, 1.0).await.unwrap());
    assert!(!b.take_rate_token(e.id, 20.0, 1.0).await.unwrap());
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(b.take_rate_token(e.id, 20.0, 1.0).await.unwrap());
    assert!(a.take_rate_token(e.id, 0.0, 1.0).await.is_err());
    assert!(!a.take_rate_token(e.id + 1000, 1.0, 1.0).await.unwrap(), "no such domain");
}
