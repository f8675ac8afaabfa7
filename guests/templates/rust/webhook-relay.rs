// A webhook relay: every POST to this function is forwarded to the URL in
// the secret WEBHOOK_URL (set it under Environment on this page, as a
// secret: the URL often carries a token). `fnlab::Fetch` sends the
// outbound request; each one shows up in the invocation's log with its
// status.
//
// Try it: set WEBHOOK_URL, then
//   curl -X POST -H 'content-type: application/json' -d '{"text":"hi"}' <your URL>

fn handle(request: fnlab::Request) -> Result<fnlab::Response, fnlab::Error> {
    let Ok(url) = std::env::var("WEBHOOK_URL") else {
        return Err(fnlab::Error::new(500, "Set the secret WEBHOOK_URL under Environment first.\n"));
    };
    if request.method() != "POST" {
        return Err(fnlab::Error::new(405, "POST a payload to relay it.\n"));
    }
    let content_type = request.header("content-type").unwrap_or("application/json").to_owned();
    let upstream = fnlab::Fetch::post(&url)
        .header("content-type", content_type)
        .body(request.body().to_vec())
        .send()
        .map_err(|e| fnlab::Error::new(502, e.to_string()))?;
    println!("relayed {} bytes: {}", request.body().len(), upstream.status);
    let status = if upstream.status < 400 { 200 } else { 502 };
    Ok(fnlab::Response::text(status, format!("relayed: {}\n", upstream.status)))
}

fnlab::http!(handle);
