//! Resident memory, each figure measured in a fresh child process (median of three):
//! - per idle client: after a first client has made its call (one-time costs such as the
//!   root certificates are paid), 100 more clients, each with its own transport and one call
//!   made, kept open and idle;
//! - per in-flight call: 256 `get_secret` calls at once on one warm client over one HTTP/2
//!   connection, measured while the vault holds every answer back.

use std::process::Command;

use crate::drivers::{self, Driver, Op};
use crate::{status_kib, FakeVault};

/// What one child measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    IdleClient,
    InFlightCall,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::IdleClient => "idle-client",
            Kind::InFlightCall => "in-flight-call",
        }
    }
}

const IDLE_CLIENTS: usize = 100;
const IN_FLIGHT_CALLS: usize = 256;

/// In a child process: prints the resident bytes per idle client or per in-flight call.
pub fn child(driver: &str, kind: &str, url: &str, cert: &str, h2: bool) {
    let driver = Driver::from_name(driver).expect("driver name");
    let vault = FakeVault::attach(url, cert);
    let runtime = drivers::runtime();
    let bytes_per = runtime.block_on(async move {
        if kind == Kind::IdleClient.name() {
            let first = drivers::calls(driver, &vault, h2, Op::GetSecret, 1, false);
            first[0]().await;
            let before = status_kib("VmRSS:");
            let mut clients = Vec::with_capacity(IDLE_CLIENTS);
            for _ in 0..IDLE_CLIENTS {
                let calls = drivers::calls(driver, &vault, h2, Op::GetSecret, 1, false);
                calls[0]().await;
                clients.push(calls);
            }
            let after = status_kib("VmRSS:");
            drop(clients);
            (after.saturating_sub(before) * 1024) as f64 / IDLE_CLIENTS as f64
        } else {
            let calls = drivers::calls(driver, &vault, h2, Op::GetSlowSecret, 1, false);
            let call = calls[0].clone();
            call().await;
            let before = status_kib("VmRSS:");
            let in_flight: Vec<_> = (0..IN_FLIGHT_CALLS).map(|_| tokio::spawn(call())).collect();
            // Every request is out well before the vault's first answer.
            tokio::time::sleep(crate::fake_vault::SLOW_ANSWER / 2).await;
            let during = status_kib("VmRSS:");
            for call in in_flight {
                call.await.expect("in-flight call");
            }
            (during.saturating_sub(before) * 1024) as f64 / IN_FLIGHT_CALLS as f64
        }
    });
    println!("{bytes_per}");
}

/// The median over three child processes of bytes per idle client or in-flight call.
pub fn measure(vault: &FakeVault, driver: Driver, kind: Kind, h2: bool) -> f64 {
    let exe = std::env::current_exe().expect("exe");
    let mut figures: Vec<f64> = (0..3)
        .map(|_| {
            let output = Command::new(&exe)
                .args([
                    "--memory",
                    driver.name(),
                    kind.name(),
                    &vault.url,
                    vault.cert_path.to_str().expect("path"),
                    if h2 { "h2" } else { "h1" },
                ])
                .output()
                .expect("memory run");
            assert!(
                output.status.success(),
                "memory of {}: {}",
                driver.name(),
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .expect("bytes")
        })
        .collect();
    figures.sort_by(f64::total_cmp);
    figures[1]
}
