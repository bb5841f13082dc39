//! Kaisa: its own token endpoint (300 s tokens, no subscription key), every endpoint.

use futures_util::TryStreamExt;
use kaisa::{Cdr, CustomerUpdate, NewCustomer, SourceStatus};
use vendor_sandbox::Vendor;

use super::{assert_only, assert_unique, bounded, sandbox, traffic};

#[tokio::test]
async fn every_endpoint_with_one_token() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();
    assert_eq!(client.api_version().as_str(), sandbox.kaisa().api_version);

    bounded(async {
        let token = client.token().await.unwrap();
        assert_eq!(token.lifetime().as_secs(), 300);
        assert_eq!(token.has_role("api"), Some(true));

        assert!(client.ping().await.unwrap().is_ok());

        let customers = client.customers().list().send().await.unwrap();
        assert_eq!(customers.len(), 3);
        assert_unique(customers.iter().map(|c| c.customer_id.clone()));
        let acme = client
            .customers()
            .list()
            .custnr("ACME-001")
            .send()
            .await
            .unwrap();
        assert_eq!(acme.len(), 1);
        assert_eq!(acme[0].name.as_deref(), Some("Acme Rörservice AB"));
        assert_eq!(acme[0].customer_id.as_str(), "407382");

        let created = client
            .customers()
            .create(
                NewCustomer::new("Testbolaget Väst AB", "TB-0042")
                    .email("ekonomi@testbolaget.example")
                    .corporateid("556000-0042"),
            )
            .await
            .unwrap();
        // The next id after the three seeded customers.
        assert_eq!(created.customer_id.as_str(), "407385");
        assert_eq!(created.name.as_deref(), Some("Testbolaget Väst AB"));
        assert_eq!(created.custnr.as_deref(), Some("TB-0042"));
        assert_eq!(
            created.email.as_deref(),
            Some("ekonomi@testbolaget.example")
        );

        let updated = client
            .customers()
            .update(
                &created.customer_id,
                CustomerUpdate::new()
                    .name("Testbolaget Nord AB")
                    .receive_monthly_report(2),
            )
            .await
            .unwrap();
        assert_eq!(updated.customer_id, created.customer_id);
        assert_eq!(updated.name.as_deref(), Some("Testbolaget Nord AB"));
        assert_eq!(updated.receive_monthly_report, Some(2));
        // Fields the update did not name are kept.
        assert_eq!(updated.custnr.as_deref(), Some("TB-0042"));

        let after = client.customers().list().send().await.unwrap();
        assert_eq!(after.len(), 4);
        assert!(after.contains(&updated));

        let sources = client.sources().list().send().await.unwrap();
        assert_eq!(
            assert_unique(sources.iter().map(|s| s.source_id.clone())),
            5
        );
        let active = client
            .sources()
            .list()
            .status(SourceStatus::Active)
            .send()
            .await
            .unwrap();
        assert_eq!(active.len(), 2);
        assert!(active
            .iter()
            .all(|s| s.status == Some(SourceStatus::Active)));

        let cdrs: Vec<Cdr> = client
            .statistics()
            .cdrs_out()
            .page_size(1000)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(assert_unique(cdrs.iter().map(|c| c.cdr_id.clone())), 2500);
        assert!(cdrs
            .iter()
            .all(|c| c.start.is_some() && c.answered.is_some()));
        // Oldest first, as the sandbox serves them by default.
        assert!(cdrs.windows(2).all(|w| w[0].start <= w[1].start));
    })
    .await;

    let stats = sandbox.stats();
    // ping, 2 customer lists, create, update, list, 2 source lists, 3 CDR pages
    // (1000 + 1000 + 500: the short page ends the stream); one token.
    assert_eq!(traffic(&stats, Vendor::Kaisa), (1, 1, 11, 11), "{stats:?}");
    assert_only(&stats, Vendor::Kaisa);
}

#[tokio::test]
async fn sources_paged_created_and_their_statuses_customer_by_id_and_recordings() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();

    bounded(async {
        let acme = client.customers().get("407382").await.unwrap();
        assert_eq!(acme.name.as_deref(), Some("Acme Rörservice AB"));
        let missing = client.customers().get("999").await.unwrap_err();
        assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));

        // Five seeded sources in pages of two: 2 + 2 + 1, the short page ends it.
        let paged: Vec<kaisa::Source> = client
            .sources()
            .list()
            .page_size(2)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(assert_unique(paged.iter().map(|s| s.source_id.clone())), 5);
        let second = client.sources().list().page(1).page_size(2).await.unwrap();
        assert_eq!(second, paged[2..4]);

        let created = client
            .sources()
            .create(kaisa::NewSource::new("407382", "AdWords").media("Google.com"))
            .await
            .unwrap();
        assert_eq!(created.name.as_deref(), Some("AdWords"));
        assert_eq!(created.media.as_deref(), Some("Google.com"));
        assert_eq!(created.status, Some(SourceStatus::Active));
        assert!(created.phonenr.is_some() && created.created.is_some());
        let acme_sources = client.sources().list().customer_id("407382").await.unwrap();
        assert!(acme_sources.contains(&created));
        let refused = client
            .sources()
            .create(kaisa::NewSource::new("999", "x"))
            .await
            .unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(404));

        // The quarantined radio number is out of service; Acme has no problem.
        let statuses = client.sources().statuses().await.unwrap();
        assert_eq!(statuses.len(), 1);
        assert_eq!(statuses[0].source_id.as_str(), "5501004");
        assert_eq!(statuses[0].service.as_deref(), Some("OOS"));
        assert!(client
            .sources()
            .statuses()
            .customer_id("407382")
            .await
            .unwrap()
            .is_empty());

        let recordings = client
            .recordings()
            .list()
            .customer_id("407382")
            .await
            .unwrap();
        assert!(!recordings.is_empty());
        assert!(recordings.iter().all(|r| r.sounddata.is_none()
            && r.cdr_id.is_some()
            && r.customer_id.as_ref().map(|c| c.as_str()) == Some("407382")));
        let kept = recordings.iter().find(|r| r.is_available()).unwrap();
        let one = client
            .recordings()
            .list()
            .recording_id(kept.recording_id.clone())
            .await
            .unwrap();
        let sound = one[0].sounddata.as_deref().unwrap();
        // base64 of a stand-in MP3 starting with an ID3 tag; 4 characters per 3 bytes.
        assert!(sound.starts_with("SUQz"), "{sound}");
        let bytes = one[0].datalength.unwrap();
        assert_eq!(sound.len() as u64, bytes.div_ceil(3) * 4);
        let expired = recordings.iter().find(|r| !r.is_available()).unwrap();
        let gone = client
            .recordings()
            .list()
            .recording_id(expired.recording_id.clone())
            .await
            .unwrap();
        assert_eq!(gone[0].sounddata, None, "an expired recording has no sound");
    })
    .await;
}

#[tokio::test]
async fn customer_greetings_callbacks_and_blacklist() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();

    bounded(async {
        let greetings = client.customers().voicemail_greetings();
        let acme = greetings.list("407382").await.unwrap();
        // The system greeting and Acme's own.
        assert_eq!(acme.len(), 2);
        assert!(acme
            .iter()
            .any(|g| g.locked == Some(true) && g.customer_id.is_none()));
        let own = acme.iter().find(|g| g.locked == Some(false)).unwrap();
        assert_eq!(own.used_by.len(), 1);
        let id = own.vm_greeting_id.clone().unwrap();
        let with_sound = greetings.list("407382").vm_greeting_id(&id).await.unwrap();
        assert!(with_sound[0]
            .sounddata
            .as_deref()
            .unwrap()
            .starts_with("SUQz"));

        let created = greetings
            .create("407382", "Closed for lunch")
            .await
            .unwrap();
        assert!(created.record_number.is_some() && created.record_pin.is_some());
        let new_id = created.vm_greeting_id.clone().unwrap();
        let renamed = greetings
            .rename("407382", &new_id, "Closed today")
            .await
            .unwrap();
        assert_eq!(renamed.name.as_deref(), Some("Closed today"));
        // The system greeting is not the customer's to change.
        let locked = greetings.rename("407382", "1", "Mine").await.unwrap_err();
        assert_eq!(locked.status().map(|s| s.as_u16()), Some(403));
        greetings.delete("407382", &new_id).await.unwrap();
        assert_eq!(greetings.list("407382").await.unwrap().len(), 2);
        let gone = greetings.delete("407382", &new_id).await.unwrap_err();
        assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));

        let callbacks = client.customers().callbacks();
        // Kaisa's default window: from now to a week ahead (the one made yesterday is
        // outside it).
        let ahead = callbacks.list("407382").await.unwrap();
        assert_eq!(ahead.len(), 2);
        assert!(ahead.iter().all(|c| c.completed == Some(false)));
        let scheduled = callbacks
            .create(
                kaisa::NewCallback::new("407382", "+46812345678", "+46701112233")
                    .retries(1)
                    .call_recording(false),
            )
            .await
            .unwrap();
        assert_eq!(scheduled.retries, Some(1));
        assert_eq!(scheduled.retry_interval, Some(300), "Kaisa's default");
        assert_eq!(scheduled.caller_id.as_deref(), Some("+46812345678"));
        assert_eq!(callbacks.list("407382").await.unwrap().len(), 3);

        let campaigns = client.customers().campaigns().list("407382").await.unwrap();
        assert_eq!(campaigns.len(), 2);
        assert!(campaigns
            .iter()
            .all(|c| c.sources.len() == 1 && c.state == Some(0)));
        let one = client
            .customers()
            .campaigns()
            .list("407383")
            .campaign_id("9001")
            .await
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].sources, [serde_json::json!("5501003")]);
        let autumn = client
            .customers()
            .campaigns()
            .create(
                kaisa::NewCampaign::new("407382", "standard", "Autumn 2024")
                    .partner_campaign_id("ACME-AUTUMN")
                    .param("call_recording", "1"),
            )
            .await
            .unwrap();
        assert_eq!(autumn.campaign_id.as_deref(), Some("9003"));
        assert_eq!(autumn.call_recording, Some(true));
        let listed = client.customers().campaigns().list("407382").await.unwrap();
        assert!(listed.contains(&autumn));
        let refused = client
            .customers()
            .campaigns()
            .create(
                kaisa::NewCampaign::new("407382", "standard", "x").param("call_recording", "yes"),
            )
            .await
            .unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));

        let blacklist = client.customers().blacklist();
        assert_eq!(blacklist.get("407382").await.unwrap().len(), 2);
        blacklist.set("407383", ["+4631123456"]).await.unwrap();
        assert_eq!(blacklist.get("407383").await.unwrap(), ["+4631123456"]);
        let unknown = blacklist.get("999").await.unwrap_err();
        assert_eq!(unknown.status().map(|s| s.as_u16()), Some(404));
    })
    .await;
}

#[tokio::test]
async fn users_listed_created_updated_and_deleted() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kaisa_client(&sandbox).unwrap();

    bounded(async {
        let users = client.users();
        let acme = users.list().customer_id("407382").await.unwrap();
        assert_eq!(acme.len(), 2);
        assert_eq!(acme.iter().filter(|u| u.is_activated()).count(), 1);
        let created = users
            .create(
                "407383",
                "anna@brightwave.example",
                kaisa::UserFields::new()
                    .name("Anna Lind")
                    .write_access(true),
            )
            .await
            .unwrap();
        assert!(!created.is_activated());
        assert_eq!(created.token.as_ref().map(|t| t.expose().len()), Some(32));
        assert_eq!(created.write_access, Some(true));
        let id = created.user_id.clone().unwrap();
        let updated = users
            .update(&id, kaisa::UserFields::new().receive_monthly_report(2))
            .await
            .unwrap();
        assert_eq!(updated.receive_monthly_report, Some(2));
        assert_eq!(updated.name.as_deref(), Some("Anna Lind"));
        assert_eq!(users.list().user_id(&id).await.unwrap(), [updated]);
        users.delete(&id).await.unwrap();
        assert!(users.list().user_id(&id).await.unwrap().is_empty());
        let gone = users.delete(&id).await.unwrap_err();
        assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
    })
    .await;
}
