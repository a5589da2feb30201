//! `ConnectionThreads`: where connections are served, in one of two ways.
//!
//! - **Shared** (the default): on the caller's tokio runtime, whose threads share every
//!   connection (tokio moves tasks between its threads and wakes idle ones to look for
//!   work).
//! - **Pinned** (`CG3_PIN_CONNECTIONS`): on threads of our own, each running a
//!   single-threaded runtime; a connection stays on the thread that held the fewest
//!   connections when it was accepted, and everything its requests spawn (coalescer
//!   followers, texture uploads) runs there too. Its buffers stay in one core's caches, a
//!   wake from its own thread is a push on its own queue, and an allocation is freed by
//!   the thread that made it: on the 2-core box about 10 % less server CPU per request.
//!   Under a zero-backoff retry storm it renders less (the cheaper refusals come back
//!   sooner, and a render thread wakes a single-threaded runtime with an `eventfd` write
//!   for every finished job), so it is not the default (BENCHMARKS.md, "Connection
//!   threads").
//!
//! The accept loop, signals and start-up stay on the caller's runtime either way.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use tokio::net::TcpStream;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The runtimes connections are served on, each with its count of open connections.
#[derive(Debug)]
pub struct ConnectionThreads {
    lanes: Vec<Lane>,
    /// The pinned threads (none when shared).
    owned: Vec<OwnedThread>,
    /// Threads answering HTTP.
    threads: usize,
}

#[derive(Debug)]
struct Lane {
    handle: Handle,
    open: Arc<AtomicUsize>,
    /// The lane is a pinned thread's runtime, not the accepting one.
    pinned: bool,
}

#[derive(Debug)]
struct OwnedThread {
    /// Dropped or sent: the thread leaves its runtime, which drops the tasks still on it.
    stop: oneshot::Sender<()>,
    join: JoinHandle<()>,
}

/// A connection's place on one runtime: counted in that runtime's load until dropped.
#[derive(Debug)]
pub struct Seat {
    handle: Handle,
    open: Arc<AtomicUsize>,
    pinned: bool,
}

impl ConnectionThreads {
    /// Connections served on `handle`'s runtime (the accepting one), shared by its threads.
    #[must_use]
    pub fn shared(handle: Handle) -> Self {
        let threads = handle.metrics().num_workers();
        Self {
            lanes: vec![Lane {
                handle,
                open: Arc::new(AtomicUsize::new(0)),
                pinned: false,
            }],
            owned: Vec::new(),
            threads,
        }
    }

    /// Starts `count` pinned threads (at least one), named `async-0`, `async-1`, ….
    ///
    /// # Errors
    /// When a runtime cannot be built or the OS refuses a thread.
    pub fn pinned(count: usize) -> io::Result<Self> {
        let count = count.max(1);
        let mut lanes = Vec::with_capacity(count);
        let mut owned = Vec::with_capacity(count);
        for i in 0..count {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let (running, started) = std::sync::mpsc::channel::<()>();
            let join = std::thread::Builder::new()
                .name(format!("async-{i}"))
                .spawn(move || {
                    let _ = running.send(());
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                    // The runtime is dropped here, on its own thread and outside any async
                    // context, which is where tokio allows it.
                })?;
            // Returns once the thread runs (and carries its name), so that what is logged
            // as listening is what runs.
            let _ = started.recv();
            lanes.push(Lane {
                handle,
                open: Arc::new(AtomicUsize::new(0)),
                pinned: true,
            });
            owned.push(OwnedThread { stop, join });
        }
        Ok(Self {
            lanes,
            owned,
            threads: count,
        })
    }

    /// How many threads answer HTTP.
    #[must_use]
    pub fn thread_count(&self) -> usize {
        self.threads
    }

    /// A seat on the runtime with the fewest open connections (the first of equals).
    #[must_use]
    pub fn seat(&self) -> Seat {
        let lane = self
            .lanes
            .iter()
            .min_by_key(|l| l.open.load(Ordering::Relaxed))
            // Both constructors make at least one lane and none is ever removed.
            .expect("at least one lane");
        lane.open.fetch_add(1, Ordering::Relaxed);
        Seat {
            handle: lane.handle.clone(),
            open: lane.open.clone(),
            pinned: lane.pinned,
        }
    }

    /// Open connections per runtime, in thread order.
    #[must_use]
    pub fn open(&self) -> Vec<usize> {
        self.lanes
            .iter()
            .map(|l| l.open.load(Ordering::Relaxed))
            .collect()
    }

    /// Ends the pinned threads, dropping the tasks still on them, and waits until they have
    /// ended (nothing to do when shared). Blocks: call it from a blocking context.
    pub fn stop(self) {
        let joins: Vec<_> = self
            .owned
            .into_iter()
            .map(|t| {
                let _ = t.stop.send(());
                t.join
            })
            .collect();
        for j in joins {
            let _ = j.join();
        }
    }
}

impl Seat {
    /// Moves `stream`, accepted on the caller's runtime, onto a pinned seat's thread: its
    /// readiness is then polled by that thread alone. A shared seat keeps it as it is.
    ///
    /// # Errors
    /// When the socket cannot be taken from the accepting runtime or registered with this
    /// one (the connection is then dropped by the caller).
    pub fn adopt(&self, stream: TcpStream) -> io::Result<TcpStream> {
        if !self.pinned {
            return Ok(stream);
        }
        let stream = stream.into_std()?;
        let _runtime = self.handle.enter();
        TcpStream::from_std(stream)
    }

    /// Runs `connection` on this seat's runtime; the seat is given up when it ends (or is
    /// dropped with a pinned thread's runtime).
    pub fn spawn<F>(self, connection: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = self.handle.clone();
        handle.spawn(async move {
            connection.await;
            drop(self);
        });
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_go_to_the_thread_with_the_fewest_connections() {
        let threads = ConnectionThreads::pinned(3).expect("threads");
        let a = threads.seat();
        let b = threads.seat();
        let c = threads.seat();
        assert_eq!(threads.open(), vec![1, 1, 1]);
        drop(b);
        assert_eq!(threads.open(), vec![1, 0, 1]);
        let d = threads.seat();
        assert_eq!(
            threads.open(),
            vec![1, 1, 1],
            "the freed thread is taken again"
        );
        let e = threads.seat();
        assert_eq!(threads.open(), vec![2, 1, 1]);
        drop((a, c, d, e));
        assert_eq!(threads.open(), vec![0, 0, 0]);
        threads.stop();
    }

    #[test]
    fn at_least_one_thread() {
        let threads = ConnectionThreads::pinned(0).expect("threads");
        assert_eq!(threads.thread_count(), 1);
        assert_eq!(threads.open(), vec![0]);
        threads.stop();
    }

    #[test]
    fn shared_seats_run_on_the_given_runtime_and_count_its_threads() {
        let runtime = Builder::new_multi_thread()
            .worker_threads(3)
            .thread_name("shared-test")
            .enable_all()
            .build()
            .expect("runtime");
        let threads = ConnectionThreads::shared(runtime.handle().clone());
        assert_eq!(threads.thread_count(), 3);
        let seat = threads.seat();
        assert_eq!(threads.open(), vec![1]);
        let (tx, rx) = std::sync::mpsc::channel();
        seat.spawn(async move {
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        });
        let name = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("ran");
        assert_eq!(name.as_deref(), Some("shared-test"));
        for _ in 0..500 {
            if threads.open() == vec![0] {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(threads.open(), vec![0]);
        threads.stop();
    }

    #[test]
    fn a_seated_connection_runs_on_its_thread_and_frees_its_seat_when_done() {
        let threads = ConnectionThreads::pinned(2).expect("threads");
        let _first = threads.seat();
        let seat = threads.seat();
        let (tx, rx) = std::sync::mpsc::channel();
        seat.spawn(async move {
            let name = std::thread::current().name().map(str::to_owned);
            let _ = tx.send(name);
        });
        let name = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("ran");
        assert_eq!(name.as_deref(), Some("async-1"));
        for _ in 0..500 {
            if threads.open() == vec![1, 0] {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(threads.open(), vec![1, 0]);
        threads.stop();
    }

    #[test]
    fn stop_drops_what_still_runs_and_ends_the_threads() {
        struct Dropped(std::sync::mpsc::Sender<()>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let threads = ConnectionThreads::pinned(1).expect("threads");
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = Dropped(tx);
        threads.seat().spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        threads.stop();
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the pending task was dropped with its runtime");
    }

    #[test]
    fn an_adopted_stream_is_served_by_its_thread() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let threads = ConnectionThreads::pinned(2).expect("threads");
        let accept = Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let echoed = accept.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let client = tokio::spawn(async move {
                let mut c = TcpStream::connect(addr).await.expect("connect");
                c.write_all(b"ping").await.expect("write");
                let mut back = String::new();
                c.read_to_string(&mut back).await.expect("read");
                back
            });
            let (stream, _) = listener.accept().await.expect("accept");
            let seat = threads.seat();
            let mut stream = seat.adopt(stream).expect("adopt");
            seat.spawn(async move {
                let mut buf = [0u8; 4];
                stream.read_exact(&mut buf).await.expect("read");
                let name = std::thread::current().name().unwrap_or("?").to_owned();
                stream
                    .write_all(format!("{} on {name}", String::from_utf8_lossy(&buf)).as_bytes())
                    .await
                    .expect("write");
            });
            client.await.expect("client")
        });
        assert_eq!(echoed, "ping on async-0");
        threads.stop();
    }
}
