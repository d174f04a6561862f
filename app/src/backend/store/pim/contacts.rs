//! The `contacts` table. A contact is stored whole as JSON (`card`), with the columns the list
//! sorts and searches by derived from it; every write takes the folder's next sequence number.

use super::super::{like_words, Connection, Pool};
use super::folders;
use crate::domain::model::contacts::Contact;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub folder_id: i64,
    pub uid: String,
    pub seq: i64,
    pub card: String,
    pub updated_at: i64,
    /// 1 when the contact has a picture (an integer on both databases).
    pub has_picture: i64,
}

impl ContactRow {
    /// The stored card; `None` only if the JSON was damaged outside the application.
    pub fn contact(&self) -> Option<Contact> {
        serde_json::from_str(&self.card).ok()
    }
}

const COLUMNS: &str = "id, folder_id, uid, seq, card, updated_at, \
     CASE WHEN picture IS NULL THEN 0 ELSE 1 END AS has_picture";

fn card(c: &Contact) -> String {
    // A struct of strings, vectors and dates: serialising it cannot fail.
    serde_json::to_string(c).unwrap_or_default()
}

/// Adds a contact to the folder; `Ok(None)` if the folder already has one with this UID.
pub async fn insert(
    db: &mut Connection,
    folder: i64,
    uid: &str,
    c: &Contact,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO contacts (folder_id, uid, seq, card, sort_name, search_text, birthday, \
         anniversary, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (folder_id, uid) DO NOTHING RETURNING id",
    )
    .bind(folder)
    .bind(uid)
    .bind(seq)
    .bind(card(c))
    .bind(c.sort_name())
    .bind(c.search_text())
    .bind(c.birthday.map(|d| d.to_string()))
    .bind(c.anniversary.map(|d| d.to_string()))
    .bind(now)
    .fetch_optional(&mut *db)
    .await?;
    Ok(id.map(|(id,)| id))
}

/// Replaces the contact's fields; `false` if there is no such contact in the folder.
pub async fn update(
    db: &mut Connection,
    folder: i64,
    id: i64,
    c: &Contact,
    now: i64,
) -> Result<bool, sqlx::Error> {
    write(db, folder, id, c, None, now).await
}

/// Replaces the card and, with `Some`, the picture too, as one change.
async fn write(
    db: &mut Connection,
    folder: i64,
    id: i64,
    c: &Contact,
    picture: Option<Option<&[u8]>>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let set_picture = if picture.is_some() {
        ", picture = $10"
    } else {
        ""
    };
    let query = format!(
        "UPDATE contacts SET seq = $3, card = $4, sort_name = $5, search_text = $6, birthday = $7, \
         anniversary = $8, updated_at = $9{set_picture} WHERE folder_id = $1 AND id = $2"
    );
    let mut q = sqlx::query(&query)
        .bind(folder)
        .bind(id)
        .bind(seq)
        .bind(card(c))
        .bind(c.sort_name())
        .bind(c.search_text())
        .bind(c.birthday.map(|d| d.to_string()))
        .bind(c.anniversary.map(|d| d.to_string()))
        .bind(now);
    if let Some(p) = picture {
        q = q.bind(p);
    }
    Ok(q.execute(db).await?.rows_affected() == 1)
}

/// Deletes the contact and leaves a tombstone; `false` if there is no such contact.
pub async fn delete(
    db: &mut Connection,
    folder: i64,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    folders::remove_item(db, folder, folders::FolderKind::Contacts, id, now).await
}

pub async fn get(pool: &Pool, folder: i64, id: i64) -> Result<Option<ContactRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contacts WHERE folder_id = $1 AND id = $2"
    ))
    .bind(folder)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn by_uid<'e>(
    db: impl super::super::Executes<'e>,
    folder: i64,
    uid: &str,
) -> Result<Option<ContactRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contacts WHERE folder_id = $1 AND uid = $2"
    ))
    .bind(folder)
    .bind(uid)
    .fetch_optional(db)
    .await
}

/// A page of the list in name order, each word of `search` matching somewhere in the contact
/// (names, company, emails, phone digits), with the number of matches in all.
pub async fn page(
    pool: &Pool,
    folder: i64,
    search: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ContactRow>, i64), sqlx::Error> {
    let words = like_words(search);
    let mut filter = String::from("folder_id = $1");
    for i in 0..words.len() {
        filter.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", i + 2));
    }
    let n = words.len();
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts WHERE {filter} ORDER BY sort_name, id LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    );
    let mut q = sqlx::query_as(&sql).bind(folder);
    for w in &words {
        q = q.bind(w.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM contacts WHERE {filter}");
    let mut q = sqlx::query_as(&count_sql).bind(folder);
    for w in &words {
        q = q.bind(w.clone());
    }
    let (total,): (i64,) = q.fetch_one(pool).await?;
    Ok((rows, total))
}

/// Sets (or with `None` removes) a contact's picture: a change phones sync like any other.
pub async fn set_picture(
    db: &mut Connection,
    folder: i64,
    id: i64,
    picture: Option<&[u8]>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let done = sqlx::query(
        "UPDATE contacts SET seq = $3, picture = $4, updated_at = $5 \
         WHERE folder_id = $1 AND id = $2",
    )
    .bind(folder)
    .bind(id)
    .bind(seq)
    .bind(picture)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The contact's picture; `Ok(None)` if there is no such contact, `Some(None)` if it has none.
pub async fn picture(
    pool: &Pool,
    folder: i64,
    id: i64,
) -> Result<Option<Option<Vec<u8>>>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>,)> =
        sqlx::query_as("SELECT picture FROM contacts WHERE folder_id = $1 AND id = $2")
            .bind(folder)
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(p,)| p))
}

/// Every contact of the folder with its picture (for an export), in name order.
pub async fn all_with_pictures(
    pool: &Pool,
    folder: i64,
) -> Result<Vec<(ContactRow, Option<Vec<u8>>)>, sqlx::Error> {
    let rows: Vec<ContactRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM contacts WHERE folder_id = $1 ORDER BY sort_name, id"
    ))
    .bind(folder)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let picture = if row.has_picture != 0 {
            picture(pool, folder, row.id).await?.flatten()
        } else {
            None
        };
        out.push((row, picture));
    }
    Ok(out)
}

/// Contacts of the folder by id, with their pictures (what a phone is sent).
pub async fn with_pictures(
    db: &mut Connection,
    folder: i64,
    ids: &[i64],
) -> Result<Vec<(i64, String, Option<Vec<u8>>)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Numbers only: safe to write into the statement, and one statement for the window.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    sqlx::query_as(&format!(
        "SELECT id, card, picture FROM contacts WHERE folder_id = $1 AND id IN ({list})"
    ))
    .bind(folder)
    .fetch_all(db)
    .await
}

/// Replaces the contact's fields and its picture in one change (what a phone sends).
pub async fn replace(
    db: &mut Connection,
    folder: i64,
    id: i64,
    c: &Contact,
    picture: Option<&[u8]>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    write(db, folder, id, c, Some(picture), now).await
}
