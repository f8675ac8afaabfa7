//! Server-sent events, as the API streams a build's progress and a
//! function's live log: `event: name` and `data: json` lines, a blank line
//! ending each event, `:` lines keeping the connection alive. Only what
//! the API sends is read: one `data` line per event (several are joined),
//! no ids, no retry.

use reqwest::Response;
use serde_json::Value;

use crate::api::transport;
use crate::error::{Error, Result};

/// One event: its name and its JSON data.
#[derive(Debug)]
pub struct Event {
    /// `state`, `log`, `done`, `ready`, `invocation`…
    pub name: String,
    /// The data, parsed.
    pub data: Value,
}

/// The events of one response, read as they arrive.
pub struct EventStream {
    response: Response,
    /// Bytes received but not yet ending in a newline.
    pending: Vec<u8>,
    /// The event being read.
    name: String,
    data: String,
}

impl EventStream {
    /// Reads `response`'s body as events.
    pub fn new(response: Response) -> Self {
        Self {
            response,
            pending: Vec::new(),
            name: String::new(),
            data: String::new(),
        }
    }

    /// The next event, or `None` when the server ended the stream.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            while let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                if let Some(event) = self.line(line.trim_end_matches(['\n', '\r']))? {
                    return Ok(Some(event));
                }
            }
            let chunk = self.response.chunk().await.map_err(|e| {
                let url = self.response.url().to_string();
                transport(&url, e)
            })?;
            match chunk {
                Some(bytes) => self.pending.extend_from_slice(&bytes),
                None => return Ok(None),
            }
        }
    }

    /// Takes one line; a blank one completes the event read so far.
    fn line(&mut self, line: &str) -> Result<Option<Event>> {
        if line.is_empty() {
            let name = std::mem::take(&mut self.name);
            let data = std::mem::take(&mut self.data);
            if name.is_empty() && data.is_empty() {
                return Ok(None);
            }
            let data = match data.as_str() {
                "" => Value::Null,
                text => serde_json::from_str(text).map_err(|e| Error::NotFnlab {
                    url: self.response.url().to_string(),
                    reason: format!("event {name:?} carries no JSON ({e}): {text}"),
                })?,
            };
            return Ok(Some(Event { name, data }));
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.name = value.to_owned(),
            "data" => {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value);
            }
            // Comments (keep-alives), ids and retry times.
            _ => {}
        }
        Ok(None)
    }
}
