/// A growable array of plain values in manually managed memory, for the simulator's hot loop.
///
/// Reading or writing an element (or one of its fields, in place) compiles to a load or store:
/// no copy-on-write uniqueness check and no retain/release, which for `Array` cost a library
/// call per mutation. In exchange it has reference semantics — copies share the storage — and
/// its owner must call ``deallocate()`` exactly once. Only for trivial (POD) element types.
/// Bounds are checked in debug builds.
struct UnsafeTable<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        precondition(_isPOD(Element.self), "UnsafeTable holds plain values only")
        self.capacity = max(capacity, 4)
        base = .allocate(capacity: self.capacity)
    }

    /// A table of `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        unsafeAddress {
            assert(index >= 0 && index < count, "UnsafeTable index \(index) out of 0..<\(count)")
            return UnsafePointer(base + index)
        }
        nonmutating unsafeMutableAddress {
            assert(index >= 0 && index < count, "UnsafeTable index \(index) out of 0..<\(count)")
            return base + index
        }
    }

    var isEmpty: Bool { count == 0 }
    var indices: Range<Int> { 0..<count }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(__always)
    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return base[count]
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Frees the storage; the table (and every copy) must not be used afterwards.
    func deallocate() { base.deallocate() }

    /// The elements as an array (a copy).
    var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
