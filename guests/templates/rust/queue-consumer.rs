// A queue consumer. Send it events with "Queue event" under Events on its
// page (or POST /api/v1/functions/NAME/events): each delivery is a request
// with the header `fnlab-trigger: event` and what you sent as its body.
// This one adds up the "amount" of every order it gets in your default
// key-value store. An order without an amount answers 500: watch it being
// retried and dead-lettered, then fix it and press Replay. Open the
// function's URL to read the total.

fn handle(request: fnlab::Request) -> Result<fnlab::Response, String> {
    let store = fnlab::kv::open("default").map_err(|e| e.to_string())?;
    if request.header("fnlab-trigger") == Some("event") {
        let order: serde_json::Value = request.json().map_err(|e| e.to_string())?;
        let Some(amount) = order["amount"].as_u64() else {
            return Err(format!("this order has no amount: {order}"));
        };
        let total = store.increment("orders-total", amount).map_err(|e| e.to_string())?;
        let id = request.header("fnlab-event-id").unwrap_or_default();
        println!("order {id}: +{amount}, total {total}");
        return Ok(fnlab::Response::text(200, "ok"));
    }
    let total = store.get_text("orders-total").map_err(|e| e.to_string())?;
    let total = total.unwrap_or_else(|| "0".into());
    Ok(fnlab::Response::text(200, format!("total: {total}\n")))
}

fnlab::http!(handle);
