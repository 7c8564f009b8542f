//! State that outlives the process: `--state FILE` loads the emulator's state at start and
//! writes it after every request that changed it, before the answer goes out (a temporary file
//! beside it, synced, then renamed over it, and the folder synced: a kill at any moment leaves
//! the old or the new state, whole). `GET /_emulator/state` exports the same JSON, `PUT`
//! imports it.
//!
//! Deadlines (a deletion settling, provisioning, a job) are kept as the time left, so a state
//! loaded later resumes them; dates are absolute, and the simulated clock's offset is kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::store::{State, Vault};

/// The format's version, checked on load.
const FORMAT: u32 = 1;

/// The most the clock can be ahead: 100 years.
pub(crate) const MAX_CLOCK_OFFSET_SECONDS: u64 = 100 * 365 * 86_400;

/// Everything the emulator holds, as written to the state file.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    format: u32,
    clock_offset_seconds: u64,
    vaults: BTreeMap<String, Vault>,
    tokens: Vec<String>,
    management: crate::management::Arm,
    administration: crate::admin::Admin,
}

impl Snapshot {
    /// The state now (each part under its own lock), deadlines on the emulator's clock.
    pub(crate) fn take(state: &State) -> Snapshot {
        let offset = *state
            .clock_offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        crate::clock::with_offset(offset, || Snapshot::take_on_clock(state, offset))
    }

    fn take_on_clock(state: &State, offset: Duration) -> Snapshot {
        let mut tokens: Vec<String> = state
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        tokens.sort();
        Snapshot {
            format: FORMAT,
            clock_offset_seconds: offset.as_secs(),
            vaults: state
                .vaults
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .map(|(name, vault)| (name.clone(), vault.clone()))
                .collect(),
            tokens,
            management: state
                .arm
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            administration: state
                .admin
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    /// Reads a snapshot, naming what is wrong with a bad one.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Snapshot, String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Format {
            format: Option<u32>,
            clock_offset_seconds: Option<u64>,
        }
        let offset = match serde_json::from_slice::<Format>(bytes) {
            Ok(Format {
                format: Some(FORMAT),
                clock_offset_seconds,
            }) => match clock_offset_seconds.unwrap_or(0) {
                // What `/_emulator/clock` allows, and what the clock can add without overflow.
                seconds if seconds <= MAX_CLOCK_OFFSET_SECONDS => Duration::from_secs(seconds),
                seconds => {
                    return Err(format!(
                        "clockOffsetSeconds {seconds} is more than 100 years ({MAX_CLOCK_OFFSET_SECONDS})"
                    ))
                }
            },
            Ok(Format {
                format: Some(other),
                ..
            }) => {
                return Err(format!(
                    "state format {other} is not supported (this emulator reads format {FORMAT})"
                ))
            }
            Ok(Format { format: None, .. }) => {
                return Err("not an emulator state: no `format` field".to_owned())
            }
            Err(e) => return Err(format!("not an emulator state: {e}")),
        };
        // Deadlines are read on the clock the state was written on.
        crate::clock::with_offset(offset, || serde_json::from_slice(bytes))
            .map_err(|e| format!("not an emulator state: {e}"))
    }

    /// Replaces the emulator's state with this one; the management plane's vaults get their
    /// own ports back (the same ones when free).
    pub(crate) fn restore(self, state: &State) {
        let offset = Duration::from_secs(self.clock_offset_seconds);
        crate::clock::with_offset(offset, || self.restore_on_its_clock(state));
    }

    fn restore_on_its_clock(self, state: &State) {
        *state
            .clock_offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Duration::from_secs(self.clock_offset_seconds);
        *state.vaults.lock().unwrap_or_else(PoisonError::into_inner) =
            self.vaults.into_iter().collect::<HashMap<_, _>>();
        *state.tokens.lock().unwrap_or_else(PoisonError::into_inner) =
            self.tokens.into_iter().collect::<HashSet<_>>();
        *state.admin.lock().unwrap_or_else(PoisonError::into_inner) = self.administration;
        let mut management = self.management;
        let mut arm = state.arm.lock().unwrap_or_else(PoisonError::into_inner);
        // Vaults served already (an import at run time) keep their listeners and ports.
        management.take_listeners_from(&mut arm);
        management.start_listeners(state);
        let old = std::mem::replace(&mut *arm, management);
        drop(arm);
        // Dropped outside the lock: dropping a vault stops its listener.
        drop(old);
    }
}

/// For the fuzz target `emulator_state`: reads `bytes` as a state file; when they are one, loads
/// them into a fresh state, lets time act on every vault (purges, rotations, renewals), and
/// writes the state out again, which must read back.
#[doc(hidden)]
pub fn fuzz_state_file(bytes: &[u8]) {
    let Ok(snapshot) = Snapshot::parse(bytes) else {
        return;
    };
    let state = State::default();
    snapshot.restore(&state);
    let offset = *state
        .clock_offset
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let names: Vec<String> = state
        .vaults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .keys()
        .cloned()
        .collect();
    crate::clock::with_offset(offset, || {
        for name in &names {
            state.with_vault(name, |_| ());
        }
    });
    let written = serde_json::to_vec(&Snapshot::take(&state)).expect("a state serializes");
    if let Err(why) = Snapshot::parse(&written) {
        panic!("a state written does not read back: {why}");
    }
}

/// Where the state is written, and the last bytes written (unchanged state is not rewritten).
pub(crate) struct StateFile {
    path: PathBuf,
    written: Mutex<Vec<u8>>,
}

impl StateFile {
    /// The file at `path`, and the snapshot it holds (`None` when it does not exist yet).
    pub(crate) fn open(path: &Path) -> std::io::Result<(StateFile, Option<Snapshot>)> {
        let invalid = |why: String| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the state file {}: {why}", path.display()),
            )
        };
        let (snapshot, written) = match std::fs::read(path) {
            Ok(bytes) => (Some(Snapshot::parse(&bytes).map_err(invalid)?), bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, Vec::new()),
            Err(e) => return Err(invalid(e.to_string())),
        };
        Ok((
            StateFile {
                path: path.to_owned(),
                written: Mutex::new(written),
            },
            snapshot,
        ))
    }

    /// Writes the state if it changed since the last write. The lock is held from the
    /// snapshot to the rename, so a later snapshot is never overwritten by an earlier one.
    pub(crate) fn save(&self, state: &State) -> std::io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes =
            serde_json::to_vec_pretty(&Snapshot::take(state)).map_err(std::io::Error::other)?;
        if bytes == *written {
            return Ok(());
        }
        write_atomically(&self.path, &bytes)?;
        *written = bytes;
        Ok(())
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    // The rename itself is durable once the folder is synced (not possible on every platform).
    if let Ok(folder) = std::fs::File::open(&folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// `Instant` deadlines as the milliseconds left (zero once passed), on the emulator's clock.
pub(crate) mod deadline {
    use std::time::{Duration, Instant};

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(at: &Instant, s: S) -> Result<S::Ok, S::Error> {
        let left = at.saturating_duration_since(crate::clock::instant());
        s.serialize_u64(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let left = u64::deserialize(d)?;
        Ok(crate::clock::instant() + Duration::from_millis(left.min(10 * 365 * 86_400_000)))
    }
}

/// Maps of deadlines by name, each as [`deadline`] writes one.
pub(crate) mod deadline_map {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(transparent)]
    struct Deadline(#[serde(with = "crate::persist::deadline")] Instant);

    pub(crate) fn serialize<S: Serializer>(
        map: &BTreeMap<String, Instant>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(k, v)| (k, Deadline(*v))))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Instant>, D::Error> {
        let map: BTreeMap<String, Deadline> = BTreeMap::deserialize(d)?;
        Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
    }
}

/// Maps keyed by a pair (scope, name) as a list of entries: JSON object keys are strings.
pub(crate) mod pair_keyed {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<V: Serialize, S: Serializer>(
        map: &BTreeMap<(String, String), V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub(crate) fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(String, String), V>, D::Error> {
        let entries: Vec<((String, String), V)> = Vec::deserialize(d)?;
        Ok(entries.into_iter().collect())
    }
}
