//! What a cache holds for one write generation (see `Readers::generation`).
//!
//! Every cache of read results (rendered issues, search cursors, parent and subtask references)
//! follows the same rule: what was read at generation G is served only while the generation is
//! still G, and the first lookup at a newer one drops it all. A request reads the generation
//! before it reads anything, and the writer bumps it only after its commit is visible, so what is
//! kept under G never predates a write that bumped the generation to G or below.

use std::sync::{Mutex, MutexGuard};

/// A cache's contents for one generation behind a lock: what every generational cache holds.
#[derive(Default)]
pub struct Kept<T>(Mutex<Generational<T>>);

impl<T: Default> Kept<T> {
    pub fn lock(&self) -> MutexGuard<'_, Generational<T>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops what a write made stale at once, rather than at the next read.
    pub fn advance(&self, generation: u64) {
        let _ = self.lock().at(generation);
    }
}

/// A value that belongs to one write generation: started afresh when a newer generation is first
/// seen, and never taken back to an older one.
#[derive(Default)]
pub struct Generational<T> {
    generation: u64,
    value: T,
}

impl<T: Default> Generational<T> {
    /// The value for `generation`, after moving to it when it is newer; `None` when the value
    /// already belongs to a newer generation (the caller's reads are older than what is kept).
    pub fn at(&mut self, generation: u64) -> Option<&mut T> {
        if generation > self.generation {
            self.generation = generation;
            self.value = T::default();
        }
        (generation == self.generation).then_some(&mut self.value)
    }

    /// The value of the current generation, whatever it is.
    #[cfg(test)]
    pub fn current(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_generation_starts_afresh_and_an_older_one_gets_nothing() {
        let mut g: Generational<Vec<u32>> = Generational::default();
        g.at(1).unwrap().push(7);
        assert_eq!(g.at(1).map(|v| v.clone()), Some(vec![7]));
        assert_eq!(g.at(2).map(|v| v.clone()), Some(vec![]));
        g.at(2).unwrap().push(8);
        assert!(g.at(1).is_none(), "an older generation is not served");
        assert_eq!(g.current(), &vec![8], "and asking with it changes nothing");
    }
}
