//! A customer id that is empty, `.` or `..` (also percent-encoded) would send the
//! bearer and the form to another resource (`PUT /2.4.9/`): it is refused before
//! anything is sent.

use kaisa::{CustomerId, CustomerUpdate};
use test_support::paths::{assert_id_refused, bad_ids, server_expecting_nothing};

use crate::builder;

#[tokio::test]
async fn update_refuses_dot_and_empty_ids_before_sending() {
    let server = server_expecting_nothing().await;
    let client = builder(&server).build().unwrap();
    for id in bad_ids("40").iter().map(String::as_str) {
        let result = client
            .customers()
            .update(id, CustomerUpdate::new().name("X"))
            .await;
        assert_id_refused(result, "customer_id", id);
        // An id parsed from an answer is checked just the same.
        let parsed: CustomerId =
            serde_json::from_value(serde_json::json!(id)).unwrap_or_else(|_| CustomerId::new(id));
        let result = client
            .customers()
            .update(parsed, CustomerUpdate::new().email("a@b.example"))
            .await;
        assert_id_refused(result, "customer_id", id);
        // The id is named even when the update would be refused too.
        assert_id_refused(
            client.customers().update(id, CustomerUpdate::new()).await,
            "customer_id",
            id,
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
