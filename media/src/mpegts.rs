//! What one SRT caller's MPEG-TS may make GStreamer's `tsdemux` (1.22) and the parsers after it
//! hold, counted before the bytes reach them.
//!
//! `tsdemux` gathers a PES until the next unit start on its PID (a PES whose length field is 0
//! never ends by itself; past its length the rest is gathered the same way), handing it on in
//! 32 MiB pieces; until it has seen a PCR it also keeps every finished PES in a list, with at
//! least 8 KiB reserved for each; and `h264parse`/`h265parse` keep everything after the last
//! start code. Neither has a bound a caller cannot reach. So this guard reads the transport
//! stream's packet headers (188-byte packets: PID, payload unit start, adaptation field) and
//! refuses the caller once
//!
//! - the payload of unfinished PESs, over all PIDs, passes `max_pes` bytes, or
//! - more than `max_unframed` bytes (each PES start counted as at least 8 KiB) arrive without a
//!   video frame coming out of the demuxer ([`TsGuard::frame_out`]).
//!
//! It never looks inside a payload, and counts garbage and odd packets too: a sender that is not
//! sending MPEG-TS frames is refused sooner, never later.

use thiserror::Error;

/// An MPEG-TS packet.
pub const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const NULL_PID: u16 = 0x1fff;
/// What `tsdemux` reserves for a PES at least (`MAX (8192, length)`).
const PES_MIN_COST: u64 = 8192;

/// How much one caller may have the demuxer hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Payload of unfinished PESs, over all PIDs.
    pub max_pes: u64,
    /// Bytes between two video frames out of the demuxer.
    pub max_unframed: u64,
}

/// Why a caller is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Held {
    #[error("the MPEG-TS holds more than {limit} bytes of unfinished PES (PID {pid:#x})")]
    Pes { pid: u16, limit: u64 },
    #[error("{limit} bytes of MPEG-TS arrived without a complete video frame")]
    Unframed { limit: u64 },
}

/// The count for one caller.
#[derive(Debug)]
pub struct TsGuard {
    limits: Limits,
    /// The start of a packet cut between two messages.
    carry: [u8; PACKET],
    carry_len: usize,
    /// Payload bytes since the last unit start with payload, per PID.
    open: std::collections::HashMap<u16, u64>,
    open_total: u64,
    /// Bytes (and PES starts, at their minimum cost) since the last video frame out.
    unframed: u64,
}

impl TsGuard {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            carry: [0; PACKET],
            carry_len: 0,
            open: std::collections::HashMap::new(),
            open_total: 0,
            unframed: 0,
        }
    }

    /// Counts `data`, the next bytes from the caller (messages need not hold whole packets).
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), Held> {
        self.unframed = self.unframed.saturating_add(data.len() as u64);
        if self.carry_len > 0 {
            let take = (PACKET - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            if self.carry_len < PACKET {
                return self.check(NULL_PID);
            }
            self.carry_len = 0;
            let packet = self.carry;
            self.packet(&packet)?;
        }
        while !data.is_empty() {
            if data[0] != SYNC {
                // Skip to the next sync byte, as the demuxer's packetizer does.
                let skip = data.iter().position(|b| *b == SYNC).unwrap_or(data.len());
                data = &data[skip..];
                continue;
            }
            let Some((packet, rest)) = data.split_first_chunk::<PACKET>() else {
                self.carry[..data.len()].copy_from_slice(data);
                self.carry_len = data.len();
                break;
            };
            self.packet(packet)?;
            data = rest;
        }
        self.check(NULL_PID)
    }

    /// A video frame came out of the demuxer: what came before it is no longer held.
    pub fn frame_out(&mut self) {
        self.unframed = 0;
    }

    fn packet(&mut self, p: &[u8; PACKET]) -> Result<(), Held> {
        let unit_start = p[1] & 0x40 != 0;
        let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
        let control = (p[3] >> 4) & 0x03;
        let start = if control & 0x02 != 0 {
            5 + usize::from(p[4])
        } else {
            4
        };
        let payload = if control & 0x01 != 0 && start < PACKET {
            (PACKET - start) as u64
        } else {
            0
        };
        // The demuxer ends a PES only at a unit start that carries payload.
        if pid == NULL_PID || payload == 0 {
            return Ok(());
        }
        let open = self.open.entry(pid).or_insert(0);
        if unit_start {
            self.open_total -= *open;
            *open = 0;
            self.unframed = self.unframed.saturating_add(PES_MIN_COST);
        }
        *open += payload;
        self.open_total += payload;
        self.check(pid)
    }

    fn check(&self, pid: u16) -> Result<(), Held> {
        if self.open_total > self.limits.max_pes {
            return Err(Held::Pes {
                pid,
                limit: self.limits.max_pes,
            });
        }
        if self.unframed > self.limits.max_unframed {
            return Err(Held::Unframed {
                limit: self.limits.max_unframed,
            });
        }
        Ok(())
    }
}

/// Feeds `data` whole and again in pieces of a size its first byte picks: both must end the
/// same way (for the fuzz target).
pub fn agrees_in_pieces(data: &[u8], limits: Limits) -> bool {
    let Some((size, rest)) = data.split_first() else {
        return true;
    };
    let mut whole = TsGuard::new(limits);
    let mut pieces = TsGuard::new(limits);
    let a = whole.feed(rest);
    let mut b = Ok(());
    for piece in rest.chunks(usize::from(*size).max(1)) {
        b = pieces.feed(piece);
        if b.is_err() {
            break;
        }
    }
    a.is_ok() == b.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_pes: 64 * 1024,
        max_unframed: 256 * 1024,
    };

    /// A packet of `pid` with `unit_start`, its payload filled.
    fn packet(pid: u16, unit_start: bool, counter: u8) -> [u8; PACKET] {
        let mut p = [0xffu8; PACKET];
        p[0] = SYNC;
        p[1] = (u8::from(unit_start) << 6) | ((pid >> 8) as u8 & 0x1f);
        p[2] = pid as u8;
        p[3] = 0x10 | (counter & 0x0f);
        if unit_start {
            // A PES header with a length of 0.
            p[4..13].copy_from_slice(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0]);
        }
        p
    }

    /// One PES that never ends: a unit start, then `packets` payload packets.
    fn endless(packets: usize) -> Vec<u8> {
        let mut out = packet(0x100, true, 0).to_vec();
        for i in 1..=packets {
            out.extend_from_slice(&packet(0x100, false, i as u8));
        }
        out
    }

    #[test]
    fn an_endless_pes_is_refused_just_past_the_limit() {
        let stream = endless(1000);
        let mut guard = TsGuard::new(LIMITS);
        let mut fed = 0;
        let error = loop {
            match guard.feed(&stream[fed..fed + PACKET]) {
                Ok(()) => fed += PACKET,
                Err(e) => break e,
            }
        };
        assert_eq!(
            error,
            Held::Pes {
                pid: 0x100,
                limit: LIMITS.max_pes
            }
        );
        let payload = (fed / PACKET + 1) as u64 * 184;
        assert!(
            payload > LIMITS.max_pes && payload <= LIMITS.max_pes + 184,
            "{payload}"
        );
    }

    #[test]
    fn messages_cut_anywhere_end_the_same() {
        let stream = endless(1000);
        // The byte that completes the packet whose payload passes the limit.
        let limit = (LIMITS.max_pes / 184 + 1) as usize * PACKET;
        for size in [1, 7, 187, 188, 1316, 1456] {
            let mut guard = TsGuard::new(LIMITS);
            let mut at = 0;
            let mut refused = None;
            for piece in stream.chunks(size) {
                if guard.feed(piece).is_err() {
                    refused = Some((at, at + piece.len()));
                    break;
                }
                at += piece.len();
            }
            let (before, after) = refused.expect("refused");
            assert!(
                before < limit && after >= limit,
                "{size}: {before}..{after}, {limit}"
            );
        }
    }

    #[test]
    fn unit_starts_end_a_pes_and_null_or_empty_packets_count_nothing() {
        let mut guard = TsGuard::new(LIMITS);
        for round in 0..200u8 {
            // A PES of 20 packets, finished by the next one's unit start.
            guard.feed(&packet(0x100, true, round)).expect("taken");
            for i in 0..19 {
                guard.feed(&packet(0x100, false, i)).expect("taken");
            }
            let mut null = packet(NULL_PID, false, 0);
            null[3] = 0x10;
            guard.feed(&null).expect("taken");
            // Adaptation field only: no payload.
            let mut adaptation = packet(0x101, true, 0);
            adaptation[3] = 0x20;
            adaptation[4] = 183;
            guard.feed(&adaptation).expect("taken");
            guard.frame_out();
        }
    }

    #[test]
    fn many_small_pes_without_a_frame_are_refused() {
        let mut guard = TsGuard::new(LIMITS);
        let mut starts = 0;
        let error = loop {
            match guard.feed(&packet(0x100, true, starts as u8)) {
                Ok(()) => starts += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(
            error,
            Held::Unframed {
                limit: LIMITS.max_unframed
            }
        );
        assert!(starts <= 256 * 1024 / 8192, "{starts}");
    }

    #[test]
    fn garbage_is_skipped_and_counted() {
        let mut guard = TsGuard::new(LIMITS);
        let noise = vec![0x00u8; 300 * 1024];
        assert_eq!(
            guard.feed(&noise),
            Err(Held::Unframed {
                limit: LIMITS.max_unframed
            })
        );
        assert!(agrees_in_pieces(&[13, 0x47, 1, 2, 3], LIMITS));
    }
}
