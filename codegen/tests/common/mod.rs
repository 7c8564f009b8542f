//! Helpers shared by the generator's integration tests (each test binary uses some).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

/// Generates the config's crates from `specs` (file name -> JSON) in a temporary folder.
pub fn generate(config: &str, specs: &[(&str, Value)]) -> Result<BTreeMap<String, String>, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, spec) in specs {
        std::fs::write(dir.path().join(name), spec.to_string()).unwrap();
    }
    let text = format!(
        "specs_dir = \"specs\"\nlock_file = \"unused.lock\"\nregenerate_command = \"regen\"\n\n[[crate]]\nname = \"t\"\npath = \"out\"\nversion = \"0.0.0\"\ndescription = \"test\"\n{config}"
    );
    let config =
        codegen::Config::parse(&text, Path::new("inline.toml")).map_err(|e| e.to_string())?;
    codegen::generate(&config, dir.path(), dir.path(), &BTreeMap::new()).map_err(|e| e.to_string())
}

/// A minimal HTTP/1.1 server: answers each GET from `routes` (404 otherwise) and records
/// the requested paths.
pub fn serve(routes: HashMap<String, Vec<u8>>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requested = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requested);
    // The thread lives until the test process exits; each connection is answered in turn.
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = answer(stream, &routes, &log);
        }
    });
    (addr, requested)
}

fn answer(
    mut stream: TcpStream,
    routes: &HashMap<String, Vec<u8>>,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    log.lock().unwrap().push(path.clone());
    let (status, body) = match routes.get(&path) {
        Some(body) => ("200 OK", body.clone()),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}
