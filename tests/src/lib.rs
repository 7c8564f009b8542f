//! Test support: a real HTTP/1.1 server on loopback that records what it receives and answers
//! with scripted responses. Tests talk to it through the real default transport.
#![deny(missing_docs)]

pub mod prism;

/// The README's code blocks, compiled as doctests so its examples stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the server saw it, path exactly as sent on the wire.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target (path and query) byte for byte.
    pub target: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When the server read it.
    pub at: std::time::Instant,
}

/// A scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: String,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }
}

/// Answers a request that has no scripted reply.
pub type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

impl Reply {
    /// A reply that never comes: the connection is held open and silent (a stalled server).
    pub fn stall() -> Self {
        Reply::json(0, "")
    }

    /// A reply cut short: the server reads the request, then closes the connection without
    /// answering (a connection lost after the request reached the service).
    pub fn cut() -> Self {
        Reply::json(1, "")
    }

    /// A Microsoft Entra style token response.
    pub fn token(access_token: &str, expires_in: u64) -> Self {
        Reply::json(
            200,
            &format!(
                r#"{{"token_type":"Bearer","expires_in":{expires_in},"access_token":"{access_token}"}}"#
            ),
        )
    }

    /// An IMDS style managed identity token response (`expires_on` as a string of seconds),
    /// valid until 2100.
    pub fn managed_identity_token(access_token: &str) -> Self {
        Reply::json(
            200,
            &format!(
                r#"{{"access_token":"{access_token}","expires_on":"4102444800","resource":"https://vault.azure.net","token_type":"Bearer"}}"#
            ),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

impl Seen {
    /// A header's value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> std::collections::BTreeMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The query pairs of the target.
    pub fn query(&self) -> std::collections::BTreeMap<String, String> {
        let query = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The path of the target.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A loopback address nothing listens on (bound, then released).
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local addr")
}

/// The server; stops when dropped (its task is aborted).
pub struct LoopbackServer {
    addr: SocketAddr,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LoopbackServer {
    /// Starts on 127.0.0.1 with a free port. Requests beyond the scripted replies get `fallback`.
    pub async fn start(fallback: Reply) -> Self {
        Self::start_with(move |_| fallback.clone()).await
    }

    /// Starts a server whose unscripted requests are answered by `handler`.
    pub async fn start_with(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        Self::serve(listener, Arc::new(handler))
    }

    /// Starts on a given address (e.g. a port a test first found closed).
    pub async fn start_at(addr: SocketAddr, fallback: Reply) -> Self {
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the given address");
        Self::serve(listener, Arc::new(move |_: &Seen| fallback.clone()))
    }

    fn serve(listener: TcpListener, handler: Handler) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::new(Mutex::new(VecDeque::new()));
        let (seen2, replies2) = (seen.clone(), replies.clone());
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let seen = seen2.clone();
                let replies = replies2.clone();
                let handler = handler.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // Read one request: head, then Content-Length bytes of body.
                        let head_end = loop {
                            if let Some(i) = find(&buf, b"\r\n\r\n") {
                                break i;
                            }
                            let mut chunk = [0u8; 4096];
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                        let mut lines = head.split("\r\n");
                        let mut first = lines.next().unwrap_or("").split(' ');
                        let method = first.next().unwrap_or("").to_owned();
                        let target = first.next().unwrap_or("").to_owned();
                        let headers: Vec<(String, String)> = lines
                            .filter_map(|l| l.split_once(':'))
                            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                            .collect();
                        let len: usize = headers
                            .iter()
                            .find(|(k, _)| k == "content-length")
                            .and_then(|(_, v)| v.parse().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + 4 + len {
                            let mut chunk = [0u8; 4096];
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body = buf[head_end + 4..head_end + 4 + len].to_vec();
                        buf.drain(..head_end + 4 + len);
                        let request = Seen {
                            method,
                            target,
                            headers,
                            body,
                            at: std::time::Instant::now(),
                        };
                        seen.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(request.clone());
                        let scripted = replies
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .pop_front();
                        let reply = scripted.unwrap_or_else(|| handler(&request));
                        if reply.status == 0 {
                            // Stalled: keep the connection open, say nothing.
                            std::future::pending::<()>().await;
                        }
                        if reply.status == 1 {
                            // Cut: close without a word.
                            return;
                        }
                        let mut out = format!("HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n", reply.status, reply.body.len());
                        for (k, v) in &reply.headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&reply.body);
                        if stream.write_all(out.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        LoopbackServer {
            addr,
            connections,
            seen,
            replies,
            task,
        }
    }

    /// How many TCP connections it has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a reply.
    pub fn push(&self, reply: Reply) {
        self.replies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(reply);
    }

    /// Everything received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A `CONNECT` proxy on loopback that records each request head and then tunnels bytes.
pub struct ConnectProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    /// Starts on a free loopback port.
    pub async fn start() -> ConnectProxy {
        Self::start_answering(None).await
    }

    /// A proxy that answers every `CONNECT` with `head` (e.g. a 407) instead of tunnelling.
    pub async fn refusing(head: &'static str) -> ConnectProxy {
        Self::start_answering(Some(head)).await
    }

    async fn start_answering(refusal: Option<&'static str>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                    seen.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(head);
                    if let Some(refusal) = refusal {
                        let _ = client.write_all(refusal.as_bytes()).await;
                        return;
                    }
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    let _ = client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        ConnectProxy { url, heads }
    }

    /// The request heads received so far, one per tunnel.
    pub fn heads(&self) -> Vec<String> {
        self.heads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A SOCKS5 proxy on loopback (RFC 1928, with RFC 1929 user/password when given): records
/// each destination as the client sent it (`ip:port` or `name:port`) and then relays bytes.
pub struct Socks5Proxy {
    /// `127.0.0.1:PORT`.
    pub addr: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Socks5Proxy {
    /// Starts on a free loopback port; with `credentials`, only those are accepted.
    pub async fn start(credentials: Option<(&'static str, &'static str)>) -> Socks5Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = socks5_session(&mut client, credentials, &seen).await;
                });
            }
        });
        Socks5Proxy { addr, targets }
    }

    /// The destinations asked for so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn socks5_session(
    client: &mut tokio::net::TcpStream,
    credentials: Option<(&str, &str)>,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; greeting[1] as usize];
    client.read_exact(&mut methods).await?;
    if let Some((user, password)) = credentials {
        client.write_all(&[5, 2]).await?;
        let mut version_and_len = [0u8; 2];
        client.read_exact(&mut version_and_len).await?;
        let mut given_user = vec![0u8; version_and_len[1] as usize];
        client.read_exact(&mut given_user).await?;
        let mut len = [0u8; 1];
        client.read_exact(&mut len).await?;
        let mut given_password = vec![0u8; len[0] as usize];
        client.read_exact(&mut given_password).await?;
        let ok = given_user == user.as_bytes() && given_password == password.as_bytes();
        client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Ok(());
        }
    } else {
        client.write_all(&[5, 0]).await?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(target.clone());
    let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
        // Connection refused.
        client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(client, &mut upstream).await?;
    Ok(())
}
