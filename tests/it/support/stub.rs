//! One-answer HTTP servers, for replies the mock Identity Center never gives (hostile or broken
//! ones): every request on 127.0.0.1 gets the same response, until the test process ends.
use std::io::{Read, Write};

/// Serves `status` (e.g. `200 OK`) with `body` as `content_type` to every request; returns the
/// server's URL.
pub fn fixed_reply(status: &'static str, content_type: &'static str, body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            // The request is small (one read holds it); what it asks does not matter.
            let mut buf = [0u8; 16384];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}
