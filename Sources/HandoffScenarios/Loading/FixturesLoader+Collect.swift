import HandoffWorkload
extension FixturesLoader {
    /// Every fixture in `paths`, as one set: fixtures files, the fixtures of scenario files (the
    /// file they name and their inline tenants), and directories of them (searched as `run`
    /// does; load profiles are ignored). What `handoff-sim serve --fixtures` loads, so that
    /// `--fixtures scenarios/` serves every tenant the shipped scenarios use.
    ///
    /// - Throws: ``InputError`` for files that do not load, ``FixturesConflict`` when two of
    ///   them define the same tenant differently.
    public static func collect(_ paths: [String]) throws -> Fixtures {
        let files = try DocumentLoader.discover(paths)
        var sets: [Fixtures] = []
        for document in try DocumentLoader.loadAll(files) {
            switch document {
            case .fixtures(let fixtures, _): sets.append(fixtures)
            case .scenario(let scenario): sets.append(scenario.fixtures)
            case .other: break
            }
        }
        return try Fixtures.union(sets)
    }
}
