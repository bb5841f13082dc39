//! Parallel runs as real processes: this test binary started again, running only
//! `processes::child_process`, which does what `FILE_CACHE_CHILD` says.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use oauth_core::TokenCache;

use crate::common::*;

const CHILD_ENV: &str = "FILE_CACHE_CHILD";
const CHILD_DIR_ENV: &str = "FILE_CACHE_CHILD_DIR";
const CHILD_URL_ENV: &str = "FILE_CACHE_CHILD_TOKEN_URL";
const CHILD_GO_ENV: &str = "FILE_CACHE_CHILD_GO";
const CHILD_LOCK_ENV: &str = "FILE_CACHE_CHILD_LOCK";
const PROCESSES: usize = 6;

/// Not a test by itself: the body of the child processes the tests below start.
/// Without `FILE_CACHE_CHILD` it does nothing.
#[tokio::test]
#[ignore = "run as a child process by the tests of this module"]
async fn child_process() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        println!("skipped: started by the tests of the processes module only");
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap();
    match mode.as_str() {
        // Wait for the go file, then get a token through the cache.
        "token" => {
            let go = var(CHILD_GO_ENV);
            let deadline = Instant::now() + Duration::from_secs(30);
            while !Path::new(&go).exists() {
                assert!(Instant::now() < deadline, "no go file");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let cache = cache_on(Path::new(&var(CHILD_DIR_ENV)));
            let token = provider(&var(CHILD_URL_ENV), cache).token().await.unwrap();
            println!("CHILD-TOKEN={}", token.secret());
        }
        // Take a key's lock and keep it until killed.
        "hold-lock" => {
            let _lock = hold_lock(Path::new(&var(CHILD_LOCK_ENV)));
            println!("CHILD-LOCKED");
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        // Print the default directory of an application.
        "default-dir" => {
            let cache = oauth_cache_file::FileTokenCache::builder("vendorctl-test")
                .build()
                .unwrap();
            assert!(cache.is_persistent(), "{cache:?}");
            println!("CHILD-DIR={}", cache.dir().unwrap().display());
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn child(mode: &str, envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "processes::child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in envs {
        command.env(name, value);
    }
    command
}

/// Waits for `child` at most `limit` (killing it after that), off the runtime.
async fn finish(mut child: Child, limit: Duration) -> Output {
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + limit;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_processes_make_one_token_request() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join("tokens");
        let go = dir.path().join("go");
        // Long enough for every process to find the lock taken.
        let server =
            token_endpoint("at-shared-between-processes", Duration::from_millis(500), 1).await;
        let url = format!("{}{TOKEN_PATH}", server.uri());

        let children: Vec<Child> = (0..PROCESSES)
            .map(|_| {
                child(
                    "token",
                    &[
                        (CHILD_DIR_ENV, cache_dir.to_str().unwrap()),
                        (CHILD_URL_ENV, &url),
                        (CHILD_GO_ENV, go.to_str().unwrap()),
                    ],
                )
                .spawn()
                .unwrap()
            })
            .collect();
        // All started: let them go at once, on a new directory (no key yet either).
        std::fs::write(&go, b"").unwrap();

        let mut outputs = Vec::new();
        for child in children {
            outputs.push(finish(child, Duration::from_secs(45)).await);
        }
        for output in &outputs {
            assert!(output.status.success(), "{}", describe(output));
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                stdout.contains("CHILD-TOKEN=at-shared-between-processes"),
                "{}",
                describe(output)
            );
        }
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{PROCESSES} processes made more than one token request"
        );
        // One key, one token file.
        let names = file_names(&cache_dir);
        assert_eq!(
            names.iter().filter(|n| n.ends_with(".token")).count(),
            1,
            "{names:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_while_holding_the_lock_releases_it_at_once() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = default_key();
        let cache = oauth_cache_file::FileTokenCache::builder(APP)
            .dir(dir.path())
            .max_lock_wait(Duration::from_secs(30))
            .build()
            .unwrap();
        let lock = lock_file(&cache.token_file(&key).unwrap());

        let mut holder = child("hold-lock", &[(CHILD_LOCK_ENV, lock.to_str().unwrap())])
            .spawn()
            .unwrap();
        let mut stdout = holder.stdout.take().unwrap();
        let locked = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut seen = Vec::new();
            let mut byte = [0u8; 1];
            while !String::from_utf8_lossy(&seen).contains("CHILD-LOCKED") {
                if stdout.read(&mut byte).unwrap() == 0 {
                    return false;
                }
                seen.push(byte[0]);
            }
            true
        })
        .await
        .unwrap();
        assert!(locked, "the child did not take the lock");

        let source = CountingSource::new("at-after-the-kill");
        let get = {
            let (cache, key, source) = (cache.clone(), key.clone(), source.as_dyn());
            tokio::spawn(async move {
                let started = Instant::now();
                let token = cache.get(&key, &source).await;
                (token, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            source.calls(),
            0,
            "fetched while another process held the lock"
        );
        let killed_at = Instant::now();
        holder.kill().unwrap();
        let _ = finish(holder, Duration::from_secs(10)).await;

        let (token, _) = get.await.unwrap();
        assert_eq!(token.unwrap().secret(), "at-after-the-kill-1");
        assert_eq!(source.calls(), 1);
        assert!(
            killed_at.elapsed() < Duration::from_secs(5),
            "waited {:?} after the holder died",
            killed_at.elapsed()
        );
    })
    .await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_directory_is_under_xdg_cache_home() {
    use std::os::unix::fs::PermissionsExt;

    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().join("xdg-cache");
        let output = finish(
            child("default-dir", &[("XDG_CACHE_HOME", xdg.to_str().unwrap())])
                .spawn()
                .unwrap(),
            Duration::from_secs(30),
        )
        .await;
        assert!(output.status.success(), "{}", describe(&output));
        let expected = xdg.join("vendorctl-test").join("tokens");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(&format!("CHILD-DIR={}", expected.display())),
            "{}",
            describe(&output)
        );
        for created in [&xdg, &xdg.join("vendorctl-test"), &expected] {
            let mode = std::fs::metadata(created).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", created.display());
        }
    })
    .await;
}
