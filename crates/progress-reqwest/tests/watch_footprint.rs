//! A service keeps a hundred thousand watches waiting at once: what each one
//! holds while it waits is its memory bill. The request in flight and the
//! client's own state must not be part of it (they were: 3.5 KiB a watch).

#[test]
fn a_waiting_watch_holds_little_more_than_its_machine() {
    let client = progress_reqwest::Client::builder()
        .base_url("http://127.0.0.1:1")
        .token("tok")
        .build()
        .unwrap();
    let wait = client.wait("job");
    let size = std::mem::size_of_val(&wait);
    // 1,728 bytes until the future stopped holding the watch twice (an
    // `async fn` taking the loop by value keeps a moved-in copy beside the
    // captured one) and a `Step` across its waits: 744 since.
    assert!(size <= 768, "a wait() future is {size} bytes");
    assert!(
        std::mem::size_of_val(&client) <= 16,
        "clones share one client"
    );
}
