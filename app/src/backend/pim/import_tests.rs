use super::*;
use crate::backend::pim::test_support::state;
use crate::backend::pim::{calendar as calendar_service, contacts as contact_service};

const CARDS: &str = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u-1\r\nFN:Carla Rossi\r\nN:Rossi;Carla;;;\r\n\
TEL;TYPE=cell:+39 333 1\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nUID:u-2\r\nN:Bianchi;Marco;;;\r\n\
BDAY:2025-02-30\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Verdi;Giulia;;;\r\nEND:VCARD\r\n";

async fn finished(state: &AppState, user: UserId, id: i64) -> ImportView {
    for _ in 0..200 {
        let v = view(state, user, id).await.unwrap();
        if v.finished {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("import {id} did not finish");
}

fn upload(text: &str) -> Upload<'_> {
    Upload {
        file_name: "rubrica.vcf",
        bytes: text.as_bytes(),
    }
}

#[tokio::test]
async fn a_vcard_file_is_added_then_updated_by_uid_and_reported() {
    let (_d, state, anna, bob) = state().await;
    let phone = state.folders.subscribe(anna);
    let id = contacts(&state, anna, upload(CARDS)).await.unwrap();
    let report = finished(&state, anna, id).await;
    assert_eq!(
        (report.total, report.done, report.added, report.updated),
        (2, 2, 2, 0)
    );
    assert_eq!(
        report.skipped,
        vec![Skipped {
            line: 8,
            reason: SkipReason::Invalid {
                field: "birthday".into(),
                msg: Msg::DateInvalid
            }
        }]
    );
    assert!(phone.has_changed().unwrap(), "phones hear of the import");
    assert_eq!(
        contact_service::list(&state, anna, "", 0, 50)
            .await
            .unwrap()
            .total,
        2
    );
    // The same file again: matched by UID (the one without a UID is added anew).
    let again = contacts(&state, anna, upload(CARDS)).await.unwrap();
    let report = finished(&state, anna, again).await;
    assert_eq!((report.added, report.updated), (1, 1));
    let page = contact_service::list(&state, anna, "rossi", 0, 50)
        .await
        .unwrap();
    assert_eq!(page.total, 1, "Carla was updated, not duplicated");
    // Bob sees neither the import nor the contacts.
    assert!(matches!(view(&state, bob, id).await, Err(Error::NotFound)));
    assert_eq!(
        contact_service::list(&state, bob, "", 0, 50)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn files_that_are_not_imports_change_nothing() {
    let (_d, state, anna, _) = state().await;
    let too_big = "A".repeat(MAX_FILE_BYTES + 1);
    for (bytes, msg) in [
        (too_big.as_bytes(), Msg::FileTooLarge),
        (&[0xff, 0xfe, 0x00][..], Msg::FileNotText),
        (b"   \r\n", Msg::FileEmpty),
        (b"just notes\r\n", Msg::FileNoEntries),
    ] {
        let upload = Upload {
            file_name: "x.vcf",
            bytes,
        };
        assert!(matches!(
            contacts(&state, anna, upload).await,
            Err(Error::Invalid { field: "file", msg: m }) if m == msg
        ));
    }
    assert_eq!(
        contact_service::list(&state, anna, "", 0, 50)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn an_icalendar_series_keeps_its_exceptions_and_a_runaway_rule_is_skipped() {
    let (_d, state, anna, _) = state().await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
BEGIN:VEVENT\r\nUID:s-1\r\nSUMMARY:Riunione\r\nDTSTART:20250106T090000Z\r\nDTEND:20250106T100000Z\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE:20250113T090000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:s-2\r\nSUMMARY:Troppe\r\nDTSTART:20250106T090000Z\r\nDTEND:20250106T100000Z\r\n\
RRULE:FREQ=DAILY;COUNT=10000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let upload = Upload {
        file_name: "agenda.ics",
        bytes: ics.as_bytes(),
    };
    let id = calendar(&state, anna, upload).await.unwrap();
    let report = finished(&state, anna, id).await;
    assert_eq!((report.added, report.skipped.len()), (1, 1));
    assert_eq!(report.skipped[0].line, 12, "its BEGIN line");
    assert_eq!(
        report.skipped[0].reason,
        SkipReason::Invalid {
            field: "rrule".into(),
            msg: Msg::RuleTooMany
        }
    );
    let day = 86_400;
    let january = calendar_service::window(&state, anna, 1_736_121_600, 1_736_121_600 + 30 * day)
        .await
        .unwrap();
    let starts: Vec<i64> = january
        .iter()
        .map(|s| s.occurrence.when.utc_span().0)
        .collect();
    // 6 and 20 January; the 13th was an EXDATE.
    assert_eq!(starts, vec![1_736_154_000, 1_736_154_000 + 14 * day]);
}
