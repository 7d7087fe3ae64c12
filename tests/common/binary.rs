//! The real `stagebuzz` binary, started on a contest file and a data directory and killed with
//! SIGKILL, for tests of what survives a crash.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use stagebuzz::game::Contest;

use super::{Client, raw_client};

/// The MC's token the binary is started with.
pub const TOKEN: &str = "binary-test-control-token-0123456789";

/// A contest written to a file the binary can load, with a data directory beside it; both go
/// when dropped.
pub struct OnDisk {
    _dir: tempfile::TempDir,
    /// The contest file.
    pub file: PathBuf,
    /// The data directory.
    pub data: PathBuf,
}

impl OnDisk {
    /// Writes `contest` into a fresh temporary folder.
    pub fn with(contest: &Contest) -> OnDisk {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("contest.json");
        let text = serde_json::to_string_pretty(contest).expect("contest JSON");
        std::fs::write(&file, text).expect("write contest");
        let data = dir.path().join("data");
        OnDisk {
            _dir: dir,
            file,
            data,
        }
    }
}

/// The real binary on 127.0.0.1 with a free port; killed when dropped.
pub struct Binary {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    data_dir: PathBuf,
}

impl Binary {
    /// Starts the binary on `disk`'s contest and data directory.
    pub fn start(disk: &OnDisk) -> Binary {
        Binary::start_on(&disk.data, &disk.file)
    }

    fn start_on(data_dir: &Path, contest_file: &Path) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stagebuzz"))
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--control-token",
                TOKEN,
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--contest")
            .arg(contest_file)
            .env("RUST_LOG", "stagebuzz=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        // The binary prints its addresses once it listens; read the port from them.
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let url = line.split("http://").nth(1)?;
                let host_port = url.split('/').next()?;
                host_port.parse::<SocketAddr>().ok()
            })
            .expect("binary prints its address");
        std::thread::spawn(move || lines.for_each(drop));
        Binary {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// SIGKILL: no chance to flush or say goodbye, like a crash or a pulled plug.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    /// The join codes and phones as kept in the data directory (`access.json`).
    pub fn access(&self) -> Value {
        serde_json::from_slice(
            &std::fs::read(self.data_dir.join("access.json")).expect("access file"),
        )
        .expect("access JSON")
    }

    /// Says `hello` on a new socket: the socket, its `welcome` and its first `state`.
    pub async fn join(&self, hello: Value) -> (Client, Value, Value) {
        let mut client = raw_client(self.addr).await;
        client.send(hello).await;
        let welcome = client.recv().await;
        assert_eq!(welcome["type"], "welcome", "got {welcome}");
        let state = client.state_where(|_| true).await;
        (client, welcome, state)
    }

    /// The MC's socket and the first state it got.
    pub async fn control(&self) -> (Client, Value) {
        let mut client = raw_client(self.addr).await;
        client
            .send(json!({"type": "hello", "role": "control", "token": TOKEN}))
            .await;
        assert_eq!(client.recv().await["type"], "welcome");
        let state = client.state_where(|_| true).await;
        (client, state)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
