//! Batch jobs and the work queue, on both backends (called from `store.rs`'s `on_both_backends!`).

use std::collections::HashSet;
use std::time::Duration;

use jikji_store::{Backend, DomainKind, ItemOutcome, JobState, NewDomain, NewJob, Store, StoreError};

async fn job_of(store: &Store, n: usize) -> (i64, i64) {
    let d = store
        .create_domain(NewDomain::new("batch", DomainKind::General))
        .await
        .unwrap()
        .domain;
    let job = store
        .create_job(NewJob {
            domain_id: d.id,
            operation: "general".into(),
            source: r#"{"local":"/in"}"#.into(),
            sink: r#"{"folder":"/out"}"#.into(),
            options: "{}".into(),
            inputs: (0..n).map(|i| format!("{i:05}.png")).collect(),
        })
        .await
        .unwrap();
    assert_eq!((job.state, job.total, job.counts.pending), (JobState::Queued, n as i64, n as i64));
    (d.id, job.id)
}

fn ok() -> ItemOutcome {
    ItemOutcome {
        ok: true,
        status: "SUCCESS".into(),
        pages: 1,
        millis: 12,
        error_code: None,
        error_message: None,
    }
}

pub async fn batch_claims_leases_and_finishing(url: String, _backend: Backend) {
    let store = Store::open(&url).await.unwrap();
    let (_, job) = job_of(&store, 5).await;
    let a = store.claim_items("w1", 60_000, 2, None).await.unwrap();
    assert_eq!(a.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(store.get_job(job).await.unwrap().unwrap().state, JobState::Running);
    let b = store.claim_items("w2", 60_000, 10, Some(job)).await.unwrap();
    assert_eq!(b.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert!(store.claim_items("w3", 60_000, 10, None).await.unwrap().is_empty(), "all leased");
    assert!(store.claim_items("w3", 60_000, 10, Some(job + 1)).await.unwrap().is_empty());

    assert!(!store.finish_item(job, 0, "w2", &ok()).await.unwrap(), "not w2's lease");
    assert!(store.finish_item(job, 0, "w1", &ok()).await.unwrap());
    assert!(!store.finish_item(job, 0, "w1", &ok()).await.unwrap(), "finished once");
    let err = ItemOutcome {
        ok: false,
        status: "error".into(),
        pages: 0,
        millis: 3,
        error_code: Some("0011".into()),
        error_message: Some("Request body invalid.".into()),
    };
    assert!(store.finish_item(job, 2, "w2", &err).await.unwrap());
    assert!(store.release_item(job, 3, "w2").await.unwrap());

    // A released item is claimed again (its attempts counted); a lease that runs out (here 0 ms:
    // its worker "died") lets another worker take the item over.
    let c = store.claim_items("w3", 0, 10, None).await.unwrap();
    assert_eq!(c.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![3], "the released item");
    assert_eq!(c[0].attempts, 2);
    assert!(store.release_item(job, 3, "w3").await.unwrap());
    sqlx_free_sleep().await;
    let mut all = store.claim_items("w1-dead", 0, 10, None).await.unwrap();
    all.sort_by_key(|c| c.seq);
    assert_eq!(all.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![3]);
    sqlx_free_sleep().await;
    // w1's own lease (60 s) on item 1 holds; the 0-ms lease on item 3 has run out.
    let taken = store.claim_items("w4", 60_000, 10, None).await.unwrap();
    assert_eq!(taken.iter().map(|c| (c.seq, c.attempts)).collect::<Vec<_>>(), vec![(3, 4)]);
    assert!(!store.finish_item(job, 3, "w1-dead", &ok()).await.unwrap(), "the lease was taken over");

    for (seq, w) in [(1, "w1"), (3, "w4"), (4, "w2")] {
        assert!(!store.begin_finishing(job, 60_000).await.unwrap(), "items still open");
        assert!(store.finish_item(job, seq, w, &ok()).await.unwrap());
    }
    let j = store.get_job(job).await.unwrap().unwrap();
    assert_eq!((j.counts.done, j.counts.failed, j.counts.open()), (4, 1, 0));
    assert!(j.rate_per_sec > 0.0);
    assert_eq!(j.eta_secs(), Some(0.0));
    assert_eq!(store.jobs_to_finish().await.unwrap(), vec![job]);
    assert!(store.begin_finishing(job, 60_000).await.unwrap());
    assert!(!store.begin_finishing(job, 60_000).await.unwrap(), "one finisher at a time");
    assert!(store.jobs_to_finish().await.unwrap().is_empty());
    assert!(store.finish_job(job).await.unwrap());
    let j = store.get_job(job).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Done);
    assert!(j.finished_at.is_some());

    let items = store.job_items(job).await.unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[2].error_code.as_deref(), Some("0011"));
    assert_eq!(items[2].state, "failed");
    assert_eq!(items[0].status.as_deref(), Some("SUCCESS"));
}

/// Lets the clock move past a 0-ms lease (leases compare milliseconds).
async fn sqlx_free_sleep() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

pub async fn batch_concurrent_claims_never_overlap(url: String, _backend: Backend) {
    let store = Store::open(&url).await.unwrap();
    let (_, job) = job_of(&store, 120).await;
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let c = store
                    .claim_items(&format!("w{w}"), 60_000, 3, None)
                    .await
                    .unwrap();
                if c.is_empty() {
                    return got;
                }
                for item in c {
                    assert!(store.finish_item(item.job_id, item.seq, &format!("w{w}"), &ok()).await.unwrap());
                    got.push(item.seq);
                }
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut n = 0;
    for t in tasks {
        for seq in t.await.unwrap() {
            n += 1;
            assert!(seen.insert(seq), "item {seq} claimed twice");
        }
    }
    assert_eq!((n, seen.len()), (120, 120));
    let j = store.get_job(job).await.unwrap().unwrap();
    assert_eq!(j.counts.done, 120);
}

pub async fn batch_job_states(url: String, _backend: Backend) {
    let store = Store::open(&url).await.unwrap();
    let (domain, job) = job_of(&store, 3).await;
    let j = store.set_job_state(job, &[JobState::Queued, JobState::Running], JobState::Paused, Some("why")).await.unwrap().unwrap().0;
    assert_eq!((j.state, j.error.as_deref()), (JobState::Paused, Some("why")));
    assert_eq!(j.eta_secs(), None);
    assert!(store.claim_items("w", 60_000, 10, None).await.unwrap().is_empty(), "paused jobs give nothing");
    let (j, moved) = store.set_job_state(job, &[JobState::Queued, JobState::Running], JobState::Cancelled, None).await.unwrap().unwrap();
    assert_eq!((j.state, moved), (JobState::Paused, false), "a refused move leaves the state");
    let (_, moved) = store.set_job_state(job, &[JobState::Queued, JobState::Running], JobState::Paused, None).await.unwrap().unwrap();
    assert!(!moved, "already paused");
    let (j, moved) = store.set_job_state(job, &[JobState::Paused], JobState::Cancelled, None).await.unwrap().unwrap();
    assert!(moved && j.state == JobState::Cancelled && j.finished_at.is_some());
    assert!(store.claim_items("w", 60_000, 10, None).await.unwrap().is_empty());
    let (j, _) = store.set_job_state(job, &[JobState::Cancelled], JobState::Queued, None).await.unwrap().unwrap();
    assert!(j.state == JobState::Queued && j.finished_at.is_none() && j.error.is_none());
    assert_eq!(store.claim_items("w", 60_000, 10, None).await.unwrap().len(), 3);
    assert!(store.set_job_state(job + 100, &[JobState::Queued], JobState::Paused, None).await.unwrap().is_none());
    assert_eq!(store.list_jobs(None, 10).await.unwrap().len(), 1);
    assert_eq!(store.list_jobs(Some(JobState::Running), 10).await.unwrap().len(), 1);
    assert!(store.list_jobs(Some(JobState::Done), 10).await.unwrap().is_empty());

    // Bad jobs are refused; deleting the domain deletes its jobs.
    let bad = |inputs: Vec<String>, domain_id: i64| NewJob {
        domain_id,
        operation: "general".into(),
        source: "{}".into(),
        sink: "{}".into(),
        options: "{}".into(),
        inputs,
    };
    for (inputs, d) in [
        (vec![], domain),
        (vec![String::new()], domain),
        (vec!["x".repeat(2000)], domain),
        (vec!["a.png".into()], domain + 1000),
    ] {
        assert!(matches!(store.create_job(bad(inputs, d)).await, Err(StoreError::Invalid(_))));
    }
    assert!(store.delete_domain(domain).await.unwrap());
    assert!(store.get_job(job).await.unwrap().is_none());
    assert!(store.job_items(job).await.unwrap().is_empty());
}

pub async fn batch_large_job_is_inserted_in_chunks(url: String, _backend: Backend) {
    let store = Store::open(&url).await.unwrap();
    let (_, job) = job_of(&store, 1234).await;
    let items = store.job_items(job).await.unwrap();
    assert_eq!(items.len(), 1234);
    assert!(items.iter().enumerate().all(|(i, r)| r.seq == i as i64 && r.input == format!("{i:05}.png")));
}
