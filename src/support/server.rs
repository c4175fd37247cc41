//! The loopback HTTP/1 server scaffolding shared by the PKCE callback and the credentials
//! server: an accept loop that backs off on errors (EMFILE must not spin a core), a deadline for
//! the first byte and for the request head, a cap on connections that have sent nothing yet (past
//! it the oldest such one is closed, so idle clients cannot crowd out real ones), a cap on
//! connections being served, and a bound on each connection's life. What to answer is the
//! caller's.
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How a server treats its clients.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once (a request head has arrived); more wait their turn.
    pub max_connections: usize,
    /// Connections that have not sent a byte yet; a new one beyond this closes the oldest.
    pub max_pending: usize,
    /// A connection that sends no complete request head within this is closed.
    pub header_timeout: Duration,
    /// No connection lives longer than this (a request may wait for a renewal).
    pub connection_timeout: Duration,
    /// Serve more than one request per connection.
    pub keep_alive: bool,
}

/// The address a request came from, in the request's extensions (a handler may check it).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub std::net::SocketAddr);

/// The first accept error waits this long; each further one doubles it up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// The next wait after an accept error (`None` before the first).
pub fn backoff(last: Option<Duration>) -> Duration {
    last.map_or(MIN_BACKOFF, |d| (d * 2).min(MAX_BACKOFF))
}

/// Serves `listener` forever with `handler`; `on_error` hears about accept errors (once per
/// streak, e.g. for a debug line).
pub async fn serve<H, F>(
    listener: TcpListener,
    limits: Limits,
    handler: H,
    on_error: impl Fn(&std::io::Error),
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let pending = Arc::new(Pending::default());
    let mut delay: Option<Duration> = None;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok((stream, peer)) => {
                delay = None;
                (stream, peer)
            }
            Err(e) => {
                if delay.is_none() {
                    on_error(&e);
                }
                let d = backoff(delay);
                delay = Some(d);
                tokio::time::sleep(d).await;
                continue;
            }
        };
        let (id, evicted) = pending.push(limits.max_pending.max(1));
        let (handler, slots, pending) = (handler.clone(), slots.clone(), pending.clone());
        tokio::spawn(async move {
            // Nothing sent yet: wait for the first byte, the deadline, or eviction by a newer
            // connection when too many wait.
            let first_byte = tokio::select! {
                r = tokio::time::timeout(limits.header_timeout, stream.readable()) => matches!(r, Ok(Ok(()))),
                _ = evicted => false,
            };
            pending.remove(id);
            if !first_byte {
                return;
            }
            let Ok(_permit) = slots.acquire_owned().await else {
                return;
            };
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(Peer(peer));
                let handler = handler.clone();
                async move { Ok::<_, std::convert::Infallible>(handler(req).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(limits.keep_alive)
                .serve_connection(io, service);
            let _ = tokio::time::timeout(limits.connection_timeout, conn).await;
        });
    }
}

/// The connections that have not sent a byte yet, oldest first, each with its eviction signal.
#[derive(Default)]
struct Pending {
    /// The last id given, and the waiting connections in arrival order.
    queue: std::sync::Mutex<(u64, std::collections::VecDeque<Waiting>)>,
}

/// A connection that has sent nothing yet: its id and the signal that closes it.
type Waiting = (u64, tokio::sync::oneshot::Sender<()>);

impl Pending {
    /// Registers a new connection; closes the oldest waiting one when `cap` are waiting.
    fn push(&self, cap: usize) -> (u64, tokio::sync::oneshot::Receiver<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        while q.1.len() >= cap {
            if let Some((_, oldest)) = q.1.pop_front() {
                let _ = oldest.send(());
            }
        }
        q.0 += 1;
        let id = q.0;
        q.1.push_back((id, tx));
        (id, rx)
    }

    fn remove(&self, id: u64) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.1.retain(|(i, _)| *i != id);
    }
}

/// A response with `status`, a content type and `body`.
pub fn response(
    status: hyper::StatusCode,
    content_type: &str,
    body: String,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn backoff_doubles_up_to_a_second() {
        let mut d = None;
        let mut seen = Vec::new();
        for _ in 0..12 {
            let next = backoff(d);
            seen.push(next.as_millis());
            d = Some(next);
        }
        assert_eq!(&seen[..4], &[5, 10, 20, 40]);
        assert_eq!(*seen.last().unwrap(), 1000);
    }

    async fn get(port: u16) -> String {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn idle_connections_are_closed_and_cannot_starve_the_cap() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let limits = Limits {
            max_connections: 4,
            max_pending: 4,
            header_timeout: Duration::from_millis(300),
            connection_timeout: Duration::from_secs(5),
            keep_alive: false,
        };
        tokio::spawn(serve(
            listener,
            limits,
            |_req| async { response(hyper::StatusCode::OK, "text/plain", "hi".into()) },
            |_| {},
        ));
        // Fill every slot with clients that never send anything.
        let mut idle = Vec::new();
        for _ in 0..8 {
            idle.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap(),
            );
        }
        let started = std::time::Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), get(port))
            .await
            .expect("a real request is served once the idle ones time out");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("hi"));
        assert!(started.elapsed() < Duration::from_secs(2));
        // The idle clients were hung up on.
        let mut buf = [0u8; 1];
        for mut s in idle {
            let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
            assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "{n:?}");
        }
    }
}
