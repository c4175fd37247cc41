//! The control plane for external processes (`/__mock/stats`, `/__mock/reset`, `/__mock/github`,
//! `/__mock/federation`, `/__mock/assume-role`): answered before any fault or recording.

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use crate::Op;
use crate::reply::json_reply;
use crate::state::State;
use crate::sts::assume_role_call_json;

pub(crate) fn control_plane(st: &mut State, req: &Request) -> Option<ResponseTemplate> {
    let route = req.url.path().strip_prefix("/__mock/")?;
    let reply = match (req.method.as_str(), route) {
        ("GET", "stats") => json_reply(200, &stats(st)),
        ("POST", "reset") => {
            st.reset_counts();
            ResponseTemplate::new(200)
        }
        ("GET", "federation") => {
            let last = st.last_signin.as_ref();
            json_reply(
                200,
                &json!({
                    "session": last.map(|l| l.session.clone()),
                    "sessionDuration": last.and_then(|l| l.session_duration.clone()),
                }),
            )
        }
        ("GET", "assume-role") => {
            let calls: Vec<Value> = st
                .assume_role_calls
                .iter()
                .map(assume_role_call_json)
                .collect();
            json_reply(200, &json!({ "calls": calls }))
        }
        ("GET", "github") => {
            let url = format!("{}/github/token?x=1", st.base_uri);
            json_reply(
                200,
                &json!({ "url": url, "token": st.github_request_token }),
            )
        }
        _ => json_reply(404, &json!({ "message": "unknown control-plane route" })),
    };
    Some(reply)
}

pub(crate) fn stats(st: &State) -> Value {
    let mut stats = serde_json::Map::new();
    for op in Op::ALL {
        let count = st.recorded.iter().filter(|r| r.op == op).count();
        stats.insert(format!("{op:?}"), json!(count));
    }
    stats.insert("total".to_owned(), json!(st.recorded.len()));
    stats.insert("throttled".to_owned(), json!(st.throttled));
    let in_flight: serde_json::Map<String, Value> = st
        .max_in_flight
        .iter()
        .map(|(op, n)| (format!("{op:?}"), json!(n)))
        .collect();
    stats.insert("maxInFlight".to_owned(), Value::Object(in_flight));
    Value::Object(stats)
}
