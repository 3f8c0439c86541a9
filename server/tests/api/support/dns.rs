//! A DNS server of the test's own, on a loopback address, for one name whose answers change
//! between queries (a DNS rebinding attacker's): the first IPv6 answer is a public address, every
//! later IPv4 answer is loopback. Every other name does not exist. A server process uses it when
//! started with [`RealServerBuilder::resolving_with`](super::real_server::RealServerBuilder::resolving_with).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The rebinding name's answers so far, by query type.
#[derive(Default)]
pub struct Asked {
    pub a: AtomicUsize,
    pub aaaa: AtomicUsize,
}

/// A running server; stops when dropped.
pub struct RebindingDns {
    /// Where it listens (port 53).
    pub address: IpAddr,
    /// The name that rebinds.
    pub name: String,
    pub asked: Arc<Asked>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RebindingDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const A: u16 = 1;
const AAAA: u16 = 28;

impl RebindingDns {
    /// Starts on a free loopback address (127.x.y.z, port 53), for `name`: first an IPv6
    /// `public` address, then `127.0.0.1`.
    pub async fn start(name: &str, public: Ipv6Addr) -> Self {
        let mut bound = None;
        for _ in 0..50 {
            let address = IpAddr::V4(Ipv4Addr::new(
                127,
                53,
                rand::random::<u8>(),
                rand::random::<u8>().max(1),
            ));
            if let Ok(socket) = tokio::net::UdpSocket::bind((address, 53)).await {
                bound = Some((address, socket));
                break;
            }
        }
        let (address, socket) = bound.expect("a loopback address for the test DNS server");
        let asked = Arc::new(Asked::default());
        let (name_owned, counts) = (name.to_ascii_lowercase(), asked.clone());
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
                if let Some(reply) = answer(&buf[..n], &name_owned, public, &counts) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
        Self {
            address,
            name: name.to_owned(),
            asked,
            task,
        }
    }
}

/// The reply to one query, if it is one.
fn answer(query: &[u8], name: &str, public: Ipv6Addr, asked: &Asked) -> Option<Vec<u8>> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    // The question: labels, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question = query.get(12..at + 4)?;
    let ours = labels.join(".") == name;
    let record: Option<Vec<u8>> = match (ours, qtype) {
        (true, A) if asked.a.fetch_add(1, Ordering::SeqCst) > 0 => {
            Some(Ipv4Addr::LOCALHOST.octets().to_vec())
        }
        (true, AAAA) if asked.aaaa.fetch_add(1, Ordering::SeqCst) == 0 => {
            Some(public.octets().to_vec())
        }
        _ => None,
    };
    let mut reply = Vec::with_capacity(64);
    reply.extend_from_slice(&query[..2]);
    // A response, recursion desired and available; NXDOMAIN for any other name.
    reply.extend_from_slice(&[0x81, if ours { 0x80 } else { 0x83 }]);
    reply.extend_from_slice(&[0, 1, 0, u8::from(record.is_some()), 0, 0, 0, 0]);
    reply.extend_from_slice(question);
    if let Some(data) = record {
        reply.extend_from_slice(&[0xc0, 0x0c]);
        reply.extend_from_slice(&qtype.to_be_bytes());
        reply.extend_from_slice(&[0, 1, 0, 0, 0, 0]);
        reply.extend_from_slice(&(data.len() as u16).to_be_bytes());
        reply.extend_from_slice(&data);
    }
    Some(reply)
}
