import Foundation
import Testing

@testable import nodespec

#if canImport(Glibc)
  import Glibc
#endif

/// The batch's `WriteBehind`: its thread syncs every `every` outputs, then drops their pages
/// from the page cache, closes them and renames each over its output; `finish` does the same
/// for the last ones.
@Suite struct WriteBehindTests {
  /// One output written to a temporary in `folder` and still open, as the batch hands it over.
  private struct Written {
    let output: WriteBehind.Output
    let inode: ino_t

    init(_ index: Int, in folder: URL, bytes: [UInt8]) throws {
      let temporary = folder.appendingPathComponent(".output-\(index).tmp").path
      let fd = open(temporary, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
      try #require(fd >= 0)
      // Left dirty: the sync is what makes the pages clean enough to drop.
      try #require(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
      var info = stat()
      try #require(fstat(fd, &info) == 0)
      output = WriteBehind.Output(
        fd: fd, temporary: temporary, path: folder.appendingPathComponent("output-\(index)").path,
        spec: index)
      inode = info.st_ino
    }
  }

  private func makeFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("write-behind-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    return folder
  }

  /// `2 * every + 3` outputs: the thread settles the first `2 * every` (closed, out of the
  /// page cache, renamed into place); the last three stay open and hidden until `finish`,
  /// which syncs and renames them; every output keeps its bytes.
  @Test func syncsAndRenamesOutputsInBatchesAndTheRestAtTheEnd() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let every = 4
    let bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 3 * 4096)
    let folderFD = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try #require(folderFD >= 0)
    defer { close(folderFD) }
    let behind = WriteBehind(syncing: folderFD, every: every)
    var written: [Written] = []
    for index in 0..<2 * every + 3 {
      written.append(try Written(index, in: folder, bytes: bytes))
      behind.hold(written[index].output)
      // The thread takes all that waits when it wakes: a batch at a time, so that the last
      // three are never part of one. It works on its own time: wait up to ten seconds.
      if written.count % every == 0 {
        for _ in 0..<1000 where written.contains(where: { !isPlaced($0) }) { usleep(10_000) }
      }
    }
    for (index, file) in written.enumerated() {
      #expect(isPlaced(file) == (index < 2 * every), "output \(index)")
      // Tests run in parallel: a number this test closed may already name another test's
      // file, so "closed" is "no longer this file".
      #expect(refersTo(file.output.fd, file.inode) == (index >= 2 * every), "output \(index)")
    }
    if dropsCleanPages(in: folder) {
      for (index, file) in written.prefix(2 * every).enumerated() {
        #expect(cachedPages(file.output.path) == 0, "output \(index) is out of the page cache")
      }
    }
    let outcome = behind.finish()
    #expect(outcome.syncFailure == nil && outcome.renameFailures.isEmpty && outcome.renamedAny)
    for (index, file) in written.enumerated() {
      #expect(isPlaced(file), "output \(index)")
      #expect(!refersTo(file.output.fd, file.inode), "output \(index) is closed")
      #expect(FileManager.default.contents(atPath: file.output.path) == Data(bytes))
    }
  }

  /// Without its thread, the worker that hands over the `every`th output syncs and renames
  /// the batch before `hold` returns.
  @Test func withoutItsThreadTheWorkerSyncs() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let every = 3
    let folderFD = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try #require(folderFD >= 0)
    defer { close(folderFD) }
    let behind = WriteBehind(syncing: folderFD, every: every, threaded: false)
    var written: [Written] = []
    for index in 0..<every + 1 {
      written.append(try Written(index, in: folder, bytes: Array("output \(index)".utf8)))
      behind.hold(written[index].output)
      #expect(isPlaced(written[0]) == (index >= every - 1), "after output \(index)")
    }
    #expect(!isPlaced(written[every]), "the last output waits for the end")
    #expect(behind.finish().syncFailure == nil)
    #expect(isPlaced(written[every]))
  }

  /// A sync that fails renames nothing: the outputs it was for are removed, and `finish`
  /// says why. A rename that fails is reported by spec, its temporary removed.
  @Test func aFailedSyncOrRenameLeavesNoOutputAndSaysWhy() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    // A descriptor syncfs refuses (EBADF) stands for a sync that fails.
    let unsynced = WriteBehind(syncing: -1, threaded: false)
    let lost = try Written(0, in: folder, bytes: Array("lost".utf8))
    unsynced.hold(lost.output)
    let failed = unsynced.finish()
    #expect(failed.syncFailure == String(cString: strerror(EBADF)))
    #expect(!failed.renamedAny)
    #expect(access(lost.output.temporary, F_OK) != 0, "the temporary is removed")
    #expect(access(lost.output.path, F_OK) != 0, "nothing is renamed")

    let folderFD = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try #require(folderFD >= 0)
    defer { close(folderFD) }
    let behind = WriteBehind(syncing: folderFD, threaded: false)
    let blocked = try Written(1, in: folder, bytes: Array("blocked".utf8))
    // A folder where the output goes: a file is never renamed over one (EISDIR).
    try FileManager.default.createDirectory(
      atPath: blocked.output.path, withIntermediateDirectories: false)
    let placed = try Written(2, in: folder, bytes: Array("placed".utf8))
    behind.hold(blocked.output)
    behind.hold(placed.output)
    let outcome = behind.finish()
    #expect(outcome.syncFailure == nil && outcome.renamedAny)
    #expect(
      outcome.renameFailures == [
        "nodespec: cannot write \(blocked.output.path): \(String(cString: strerror(EISDIR)))\n"
      ])
    #expect(access(blocked.output.temporary, F_OK) != 0, "the temporary is removed")
    #expect(isPlaced(placed))
  }

  /// Whether the output was renamed into place (its temporary is gone, its path is the file).
  private func isPlaced(_ file: Written) -> Bool {
    var info = stat()
    return access(file.output.temporary, F_OK) != 0
      && stat(file.output.path, &info) == 0 && info.st_ino == file.inode
  }

  private func refersTo(_ fd: Int32, _ inode: ino_t) -> Bool {
    var info = stat()
    return fstat(fd, &info) == 0 && info.st_ino == inode
  }

  /// Whether `folder`'s file system drops a clean file's pages when asked (tmpfs does not:
  /// its files live in the page cache).
  private func dropsCleanPages(in folder: URL) -> Bool {
    let path = folder.appendingPathComponent("control").path
    let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let page = [UInt8](repeating: 0, count: 4096)
    guard page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == page.count,
      fsync(fd) == 0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0
    else { return false }
    return cachedPages(path) == 0
  }

  /// How many of the file's pages are in the page cache (mincore(2)).
  private func cachedPages(_ path: String) -> Int {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_size > 0 else { return -1 }
    let length = Int(info.st_size)
    guard let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else {
      return -1
    }
    defer { munmap(map, length) }
    let pages = (length + 4095) / 4096
    var resident = [UInt8](repeating: 0, count: pages)
    guard mincore(map, length, &resident) == 0 else { return -1 }
    return resident.filter { $0 & 1 == 1 }.count
  }
}
