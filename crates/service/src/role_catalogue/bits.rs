//! A set of roles by their index in the catalogue: the closure and delegation tables are built
//! from these, so a union over a user's grants is a few word operations.

/// Bits per word.
const WORD: usize = 64;

/// A set of role indexes below a fixed size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RoleSet(Vec<u64>);

impl RoleSet {
    /// The empty set of a catalogue of `roles` roles.
    pub(super) fn empty(roles: usize) -> Self {
        Self(vec![0; roles.div_ceil(WORD)])
    }

    /// Every role of a catalogue of `roles` roles.
    pub(super) fn full(roles: usize) -> Self {
        let mut set = Self::empty(roles);
        for role in 0..roles {
            set.insert(role);
        }
        set
    }

    /// Adds `role` (ignored if out of range).
    pub(super) fn insert(&mut self, role: usize) {
        if let Some(word) = self.0.get_mut(role / WORD) {
            *word |= 1 << (role % WORD);
        }
    }

    /// Removes `role` (ignored if out of range).
    pub(super) fn remove(&mut self, role: usize) {
        if let Some(word) = self.0.get_mut(role / WORD) {
            *word &= !(1 << (role % WORD));
        }
    }

    /// Whether `role` is in the set.
    pub(super) fn contains(&self, role: usize) -> bool {
        self.0
            .get(role / WORD)
            .is_some_and(|word| word & (1 << (role % WORD)) != 0)
    }

    /// Adds every role of `other`.
    pub(super) fn union_with(&mut self, other: &Self) {
        for (word, theirs) in self.0.iter_mut().zip(&other.0) {
            *word |= theirs;
        }
    }

    /// The roles in the set, in index (declaration) order.
    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + Clone + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            (0..WORD)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| w * WORD + bit)
        })
    }
}
