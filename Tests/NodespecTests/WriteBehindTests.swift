import Foundation
import Testing

@testable import nodespec

#if canImport(Glibc)
  import Glibc
#endif

/// The batch's `WriteBehind`: its thread syncs every `every` outputs, then drops their pages
/// from the page cache and closes them; the last ones wait for the batch's own sync.
@Suite struct WriteBehindTests {
  /// `2 * every + 3` outputs held: the first `2 * every` are released by the thread (closed,
  /// their pages no longer cached), the last three stay open until `releaseHeld`, and every
  /// file keeps its bytes.
  @Test func syncsAndReleasesOutputsInBatchesAndHoldsTheRest() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("write-behind-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: folder) }
    let every = 4
    let count = 2 * every + 3
    let bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 3 * 4096)
    var held: [(fd: Int32, inode: ino_t, path: String)] = []
    let behind = WriteBehind(every: every)
    for index in 0..<count {
      let path = folder.appendingPathComponent("output-\(index)").path
      let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
      try #require(fd >= 0)
      // Left dirty: the thread's sync is what makes the pages clean enough to drop.
      try #require(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
      var info = stat()
      try #require(fstat(fd, &info) == 0)
      held.append((fd, info.st_ino, path))
      behind.hold(fd)
      // The thread syncs all that waits when it wakes: a batch at a time, so that the last
      // three are never part of one. It works on its own time: wait up to ten seconds.
      // (Tests run in parallel: a number this test closed may already name another test's
      // file, so "released" is "no longer this file".)
      if held.count % every == 0 {
        for _ in 0..<1000 where held.contains(where: { refersTo($0.fd, $0.inode) }) {
          usleep(10_000)
        }
      }
    }
    let synced = held.prefix(2 * every)
    behind.stop()
    for (index, file) in held.enumerated() {
      #expect(refersTo(file.fd, file.inode) == (index >= 2 * every), "output \(index)")
    }
    if dropsCleanPages(in: folder) {
      for (index, file) in synced.enumerated() {
        #expect(cachedPages(file.path) == 0, "output \(index) is out of the page cache")
      }
    }
    behind.releaseHeld()
    for (index, file) in held.enumerated() {
      #expect(!refersTo(file.fd, file.inode), "output \(index) is closed")
      #expect(FileManager.default.contents(atPath: file.path) == Data(bytes))
    }
  }

  /// Without its thread, the worker that hands over the `every`th output syncs and releases
  /// the batch before `hold` returns.
  @Test func withoutItsThreadTheWorkerSyncs() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("write-behind-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: folder) }
    let every = 3
    let behind = WriteBehind(every: every, threaded: false)
    var held: [(fd: Int32, inode: ino_t, path: String)] = []
    for index in 0..<every + 1 {
      let path = folder.appendingPathComponent("output-\(index)").path
      let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
      try #require(fd >= 0)
      try #require(write(fd, "output \(index)", 8) == 8)
      var info = stat()
      try #require(fstat(fd, &info) == 0)
      held.append((fd, info.st_ino, path))
      behind.hold(fd)
      #expect(refersTo(held[0].fd, held[0].inode) == (index < every - 1), "after output \(index)")
    }
    if dropsCleanPages(in: folder) {
      for (index, file) in held.prefix(every).enumerated() {
        #expect(cachedPages(file.path) == 0, "output \(index) is out of the page cache")
      }
    }
    behind.stop()
    #expect(refersTo(held[every].fd, held[every].inode), "the last output is still held")
    behind.releaseHeld()
    #expect(!refersTo(held[every].fd, held[every].inode))
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
