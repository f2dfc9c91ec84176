//! The S3 client against a real S3-compatible server (s3s-fs): put, list (with a prefix, paged),
//! get (bounded), overwrite, and errors without secrets.

use jikji_batch::s3::S3Client;
use jikji_batch::testing::S3Server;
use jikji_batch::BatchError;

#[tokio::test]
async fn put_list_get_overwrite() {
    let Some(srv) = S3Server::start(&["scans"]) else {
        return;
    };
    let settings = srv.settings();
    let input = S3Client::new(&srv.location("scans", "in/"), &settings).unwrap();
    for name in ["b.png", "a.jpg", "sub/c.pdf", "notes.txt", "sub/.hidden.png"] {
        input.put(name, name.as_bytes().to_vec(), "application/octet-stream").await.unwrap();
    }
    let other = S3Client::new(&srv.location("scans", "other"), &settings).unwrap();
    other.put("x.png", b"x".to_vec(), "image/png").await.unwrap();

    assert_eq!(input.list_inputs(100).await.unwrap(), vec!["a.jpg", "b.png", "sub/c.pdf"]);
    assert!(matches!(input.list_inputs(2).await, Err(BatchError::Invalid(_))), "over the bound");
    assert_eq!(input.get("sub/c.pdf", 100).await.unwrap(), b"sub/c.pdf");
    assert!(matches!(input.get("sub/c.pdf", 3).await, Err(BatchError::TooLarge { .. })));

    input.put("a.jpg.json", b"{\"v\":1}".to_vec(), "application/json").await.unwrap();
    input.put("a.jpg.json", b"{\"v\":2}".to_vec(), "application/json").await.unwrap();
    assert_eq!(input.get("a.jpg.json", 100).await.unwrap(), b"{\"v\":2}");
    // One object per name on disk (s3s-fs stores objects as files).
    assert!(srv.root.join("scans/in/a.jpg.json").is_file());

    let missing = input.get("nope.png", 100).await.unwrap_err().to_string();
    assert!(missing.contains("404"), "{missing}");
    let mut wrong = settings.clone();
    wrong.secret_access_key = Some("wrong-secret-key".into());
    let denied = S3Client::new(&srv.location("scans", "in/"), &wrong).unwrap();
    let e = denied.list_inputs(10).await.unwrap_err().to_string();
    assert!(e.contains("403") && !e.contains("wrong-secret") && !e.contains(jikji_batch::testing::ACCESS_KEY), "{e}");
}

#[tokio::test]
async fn listing_pages_through_more_than_one_page() {
    let Some(srv) = S3Server::start(&["many"]) else {
        return;
    };
    // 1,005 objects written straight into the bucket's directory: ListObjectsV2 gives 1,000 a page.
    let dir = srv.root.join("many/p");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..1005 {
        std::fs::write(dir.join(format!("{i:04}.png")), b"x").unwrap();
    }
    let c = S3Client::new(&srv.location("many", "p/"), &srv.settings()).unwrap();
    let names = c.list_inputs(5000).await.unwrap();
    assert_eq!(names.len(), 1005);
    assert_eq!(names[1004], "1004.png");
}
