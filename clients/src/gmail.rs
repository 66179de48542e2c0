//! [`GmailServiceClient`]: gmail-service's unread-mail API.

use contract::{
    gmail::{MessageDetail, ThreadDetail, UnreadCount, UnreadPage, UnreadQuery},
    paths::gmail,
};

use crate::{error::ClientError, response::read};

const SERVICE: &str = "gmail-service";

/// A client of gmail-service at one base URL; every call carries an internal JWT.
#[derive(Clone, Debug)]
pub struct GmailServiceClient {
    http: reqwest::Client,
    base: String,
}

impl GmailServiceClient {
    /// `base` without a trailing slash, e.g. `http://127.0.0.1:5002`.
    pub fn new(http: reqwest::Client, base: impl Into<String>) -> Self {
        Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn get(&self, path: &str, jwt: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(jwt)
    }

    /// `GET /v1/messages/unread`: a page of unread messages.
    pub async fn unread(&self, jwt: &str, query: &UnreadQuery) -> Result<UnreadPage, ClientError> {
        read(SERVICE, self.get(gmail::UNREAD, jwt).query(query)).await
    }

    /// `GET /v1/messages/{id}`: one message with its text.
    pub async fn message(&self, jwt: &str, id: &str) -> Result<MessageDetail, ClientError> {
        read(SERVICE, self.get(&gmail::message(id), jwt)).await
    }

    /// `GET /v1/messages/{id}/thread`: the message's conversation.
    pub async fn thread(&self, jwt: &str, id: &str) -> Result<ThreadDetail, ClientError> {
        read(
            SERVICE,
            self.get(&format!("{}/thread", gmail::message(id)), jwt),
        )
        .await
    }

    /// `GET /v1/unread-count`.
    pub async fn unread_count(&self, jwt: &str) -> Result<UnreadCount, ClientError> {
        read(SERVICE, self.get(gmail::UNREAD_COUNT, jwt)).await
    }

    /// `GET /v1/messages/{id}/attachments/{attachment_id}`: the download, its body still open
    /// (read it as it comes). The ids must be valid (`contract::gmail::is_valid_message_id`,
    /// `is_valid_attachment_id`): they go into the path as they are. `http` should have no
    /// total timeout short of the download.
    pub async fn attachment(
        &self,
        http: &reqwest::Client,
        jwt: &str,
        id: &str,
        attachment_id: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let path = gmail::ATTACHMENT
            .replace("{id}", id)
            .replace("{attachment_id}", attachment_id);
        let response = http
            .get(format!("{}{path}", self.base))
            .bearer_auth(jwt)
            .send()
            .await
            .map_err(|e| ClientError::unreachable(SERVICE, &e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(ClientError::from_response(SERVICE, response).await)
        }
    }

    /// `GET /v1/events`: the open event stream (read it with `chunk()`), resumed after
    /// `last_event_id`. `http` should have no total timeout (the stream stays open); a refusal
    /// is a [`ClientError`] as for every other call.
    pub async fn events(
        &self,
        http: &reqwest::Client,
        jwt: &str,
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut request = http
            .get(format!("{}{}", self.base, gmail::EVENTS))
            .bearer_auth(jwt)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::unreachable(SERVICE, &e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(ClientError::from_response(SERVICE, response).await)
        }
    }
}
