// A file processor. On the Key-value stores page, make a store (say
// "uploads") run this function on each upload ("Uploads run"), then drop a
// text file on it, or PUT it to /api/v1/kv/uploads/notes.txt. Each upload
// is a request with the header `fnlab-trigger: file` and the S3 event
// Lambda receives as its body (fnlab::lambda::S3Event); this reads the
// file through the key-value store, counts its lines and words, and
// writes the counts as JSON under the same key in the store "wordcounts".
// Open the function's URL to list what it has counted.

use fnlab::lambda::S3Event;
use serde_json::json;

fn handle(request: fnlab::Request) -> Result<fnlab::Response, String> {
    let results = fnlab::kv::open("wordcounts").map_err(|e| e.to_string())?;
    if request.header("fnlab-trigger") != Some("file") {
        let mut counted = serde_json::Map::new();
        for key in results.keys().map_err(|e| e.to_string())? {
            let counts = results.get_text(&key).map_err(|e| e.to_string())?;
            let counts: serde_json::Value = serde_json::from_str(&counts.unwrap_or_default()).unwrap_or_default();
            counted.insert(key, counts["words"].clone());
        }
        return Ok(fnlab::Response::json(200, &json!({"word counts": counted})));
    }
    let event: S3Event = request.json().map_err(|e| e.to_string())?;
    for record in event.records {
        let (bucket, key) = (&record.s3.bucket.name, &record.s3.object.key);
        let store = fnlab::kv::open(bucket).map_err(|e| e.to_string())?;
        let Some(text) = store.get_text(key).map_err(|e| e.to_string())? else {
            return Err(format!("{bucket}/{key} was deleted before it was counted"));
        };
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\''))
            .filter(|word| !word.is_empty())
            .collect();
        let mut tally = std::collections::BTreeMap::new();
        for word in &words {
            *tally.entry(*word).or_insert(0) += 1;
        }
        let mut top: Vec<(&str, u32)> = tally.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        top.truncate(5);
        let lines = text.lines().count();
        let counts = json!({"lines": lines, "words": words.len(), "top": top});
        results.set(key, counts.to_string()).map_err(|e| e.to_string())?;
        println!("{bucket}/{key}: {} words, {lines} lines", words.len());
    }
    Ok(fnlab::Response::text(200, "counted"))
}

fnlab::http!(handle);
