//! A copy-on-write view of the store file, so that a store can be checked before it is
//! trusted without writing a byte to it.
//!
//! redb's writable open repairs a file that was not shut down cleanly, and its full integrity
//! check (every page checksum) commits; both write to the file. Its read-only open writes
//! nothing but refuses a file that needs repair and trusts page contents, which it may panic
//! on when they were damaged outside redb. So [`Store::open`](super::Store::open) first runs
//! the writable open, with the integrity check, on this backend: reads come from the file,
//! writes stay in memory and are thrown away. Only a store that passes is then opened for
//! real.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Mutex, MutexGuard};

use redb::{BackendError, StorageBackend};

/// The file, read-only, with the writes of a throw-away database kept in memory.
#[derive(Debug)]
pub(super) struct Overlay {
    file: Mutex<File>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The length the database sees.
    len: u64,
    /// Bytes below this offset not written in `blocks` come from the file; bytes above read as
    /// zero (the database shrank the view, then grew it again).
    pristine: u64,
    /// Blocks written by the database, by block index.
    blocks: BTreeMap<u64, Box<[u8]>>,
}

impl Overlay {
    /// A view of `file`, whose length is `len`.
    pub(super) fn new(file: File, len: u64) -> Self {
        Self {
            file: Mutex::new(file),
            state: Mutex::new(State {
                len,
                pristine: len,
                blocks: BTreeMap::new(),
            }),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, BackendError> {
        self.state.lock().map_err(|_| poisoned())
    }

    /// Block `index` as the database last left it.
    fn block(&self, state: &State, index: u64) -> Result<Box<[u8]>, BackendError> {
        if let Some(block) = state.blocks.get(&index) {
            return Ok(block.clone());
        }
        let mut block = vec![0u8; BLOCK].into_boxed_slice();
        let start = index * BLOCK_U64;
        let from_file = state.pristine.saturating_sub(start).min(BLOCK_U64);
        if from_file > 0 {
            let mut file = self.file.lock().map_err(|_| poisoned())?;
            file.seek(SeekFrom::Start(start))?;
            let part = block
                .get_mut(..usize::try_from(from_file).map_err(|_| out_of_range())?)
                .ok_or_else(out_of_range)?;
            file.read_exact(part)?;
        }
        Ok(block)
    }

    /// Visits the blocks under `offset..offset + len` with the range inside each block and
    /// the range inside the caller's buffer.
    fn spans(
        offset: u64,
        len: usize,
    ) -> impl Iterator<Item = (u64, std::ops::Range<usize>, std::ops::Range<usize>)> {
        let mut done = 0usize;
        std::iter::from_fn(move || {
            if done >= len {
                return None;
            }
            let at = offset + done as u64;
            let index = at / BLOCK_U64;
            // The remainder is below BLOCK, so it fits a usize.
            let inside = usize::try_from(at % BLOCK_U64).unwrap_or(0);
            let take = (BLOCK - inside).min(len - done);
            let span = (index, inside..inside + take, done..done + take);
            done += take;
            Some(span)
        })
    }
}

impl StorageBackend for Overlay {
    fn len(&self) -> Result<u64, BackendError> {
        Ok(self.state()?.len)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), BackendError> {
        let state = self.state()?;
        check_range(&state, offset, out.len())?;
        for (index, inside, outside) in Self::spans(offset, out.len()) {
            let block = self.block(&state, index)?;
            let (Some(to), Some(from)) = (out.get_mut(outside), block.get(inside)) else {
                return Err(out_of_range());
            };
            to.copy_from_slice(from);
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), BackendError> {
        let mut state = self.state()?;
        if len < state.len {
            // Keep the block that holds the new end, zeroed past it, and drop the ones beyond.
            let last = len / BLOCK_U64;
            let mut block = self.block(&state, last)?;
            let keep = usize::try_from(len % BLOCK_U64).map_err(|_| out_of_range())?;
            block.get_mut(keep..).into_iter().for_each(|b| b.fill(0));
            state.blocks.retain(|&i, _| i < last);
            state.blocks.insert(last, block);
            state.pristine = state.pristine.min(len);
        }
        state.len = len;
        Ok(())
    }

    fn sync_data(&self) -> Result<(), BackendError> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), BackendError> {
        let mut state = self.state()?;
        check_range(&state, offset, data.len())?;
        for (index, inside, outside) in Self::spans(offset, data.len()) {
            let mut block = self.block(&state, index)?;
            let (Some(to), Some(from)) = (block.get_mut(inside), data.get(outside)) else {
                return Err(out_of_range());
            };
            to.copy_from_slice(from);
            state.blocks.insert(index, block);
        }
        Ok(())
    }
}

fn check_range(state: &State, offset: u64, len: usize) -> Result<(), BackendError> {
    let end = offset.checked_add(len as u64).ok_or_else(out_of_range)?;
    if end > state.len {
        return Err(out_of_range());
    }
    Ok(())
}

fn out_of_range() -> BackendError {
    BackendError::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        "read or write past the end of the store file",
    ))
}

fn poisoned() -> BackendError {
    BackendError::Io(io::Error::other("a panic interrupted an earlier check"))
}

const BLOCK: usize = 4096;
const BLOCK_U64: u64 = BLOCK as u64;

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn writes_stay_in_memory() {
        let mut file = tempfile::tempfile().unwrap();
        let original: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        file.write_all(&original).unwrap();
        let overlay = Overlay::new(file.try_clone().unwrap(), 10_000);

        let mut out = vec![0u8; 5000];
        overlay.read(3000, &mut out).unwrap();
        assert_eq!(out, original[3000..8000]);

        overlay.write(4090, &[0xAA; 20]).unwrap();
        overlay.read(4080, &mut out[..40]).unwrap();
        assert_eq!(out[..10], original[4080..4090]);
        assert_eq!(out[10..30], [0xAA; 20]);
        assert_eq!(out[30..40], original[4110..4120]);

        overlay.set_len(5000).unwrap();
        overlay.set_len(9000).unwrap();
        let mut tail = vec![1u8; 4000];
        overlay.read(5000, &mut tail).unwrap();
        assert!(tail.iter().all(|&b| b == 0));
        overlay.read(4990, &mut out[..10]).unwrap();
        assert_eq!(out[..10], original[4990..5000]);
        assert!(overlay.read(8999, &mut out[..2]).is_err());

        let mut on_disk = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut on_disk).unwrap();
        assert_eq!(on_disk, original);
    }
}
