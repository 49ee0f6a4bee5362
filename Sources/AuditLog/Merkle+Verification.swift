extension Merkle {
    /// Whether `proof` shows the leaf with `leafHash` at `index` in the tree of `size` leaves
    /// whose root is `root`: RFC 9162 §2.1.3.2. False for an index outside the tree.
    public static func verifyInclusion(leafHash: MerkleHash, index: Int64, size: Int64,
                                       proof: [MerkleHash], root: MerkleHash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows the tree of `to` leaves with root `toRoot` extends the tree of
    /// `from` leaves with root `fromRoot`: RFC 9162 §2.1.4.2.
    ///
    /// The cases the RFC's algorithm leaves to the caller: `from > to` is false; `from == to`
    /// needs an empty proof and equal roots; `from == 0` needs an empty proof and `fromRoot`
    /// equal to ``emptyRoot`` (the empty tree is consistent with every tree, and has one root).
    public static func verifyConsistency(from: Int64, to: Int64, fromRoot: MerkleHash, toRoot: MerkleHash,
                                         proof: [MerkleHash]) -> Bool {
        guard from >= 0, from <= to else { return false }
        if from == 0 { return proof.isEmpty && fromRoot == emptyRoot && (to > 0 || toRoot == emptyRoot) }
        if from == to { return proof.isEmpty && fromRoot == toRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if from & (from - 1) == 0 { path.insert(fromRoot, at: 0) }
        var fn = from - 1
        var sn = to - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == fromRoot && sr == toRoot && sn == 0
    }
}
