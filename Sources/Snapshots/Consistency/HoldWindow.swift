import DeviceMapper
import Foundation

/// How a group's hold went.
struct HoldWindow {
    var outcome: Guardian.Outcome
    /// From the first hold taken to the last released.
    var microseconds: Int64
    var failure: String? {
        if case .failed(let reason) = outcome { return reason }
        return nil
    }
}

extension SnapshotService {
    /// Takes every hold of `plan`, runs `body`, and releases every hold taken,
    /// in reverse, whatever happened. The window ends with the last release;
    /// udev's work for the resumed devices is waited for after it. Meanwhile a
    /// guardian watches with the deadline, memory is locked when a page could
    /// be read from a held device (`MemoryLock`), and the signals a user sends
    /// are blocked until the release.
    func hold(_ plan: FreezePlan, deadline timeout: Duration, during body: () throws -> Void) throws -> HoldWindow {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var journal = HoldJournal(holds: plan.holds, holderPID: getpid(), deadline: Date().addingTimeInterval(seconds))
        let lockMemory = memoryLockReason(for: plan) != nil
        journal.lockMemory = lockMemory
        let path = try journal.write()
        let guardian: Guardian
        do { guardian = try Guardian.start(journalPath: path, executable: guardianExecutable) } catch {
            unlink(path)
            throw error
        }
        return try InterruptSignals.heldBack {
            if lockMemory { mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) }
            defer { if lockMemory { munlockall() } }
            return try holdAndRelease(plan, timeout: timeout, guardian: guardian, during: body)
        }
    }

    /// `MemoryLock`'s answer for this process and the devices `plan` holds
    /// (a suspended one, or the device of a frozen filesystem, and everything
    /// stacked over it): why memory must be locked, nil when it need not be.
    /// Whatever cannot be read is a reason.
    func memoryLockReason(for plan: FreezePlan) -> String? {
        do {
            let graph = try HolderGraph.read()
            var affected = Set<DeviceNumber>()
            for hold in plan.holds {
                let number: DeviceNumber
                switch hold {
                case .suspend(let device, _):
                    guard let info = try deviceMapper.info(device) else { return "\(device) is not in the kernel" }
                    number = info.number
                case .freezeFilesystem(let mountPoint, let device):
                    guard let found = Self.blockDeviceNumber(device) else { return "the device of \(mountPoint), \(device), cannot be read" }
                    number = found
                }
                affected.insert(number)
                if let node = graph.device(number) { affected.formUnion(graph.above(node).map(\.number)) }
            }
            let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
            let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            let swaps = (try? String(contentsOfFile: "/proc/swaps", encoding: .utf8)) ?? ""
            return MemoryLock.reason(maps: maps, mountinfo: mountinfo, swaps: swaps, affected: affected,
                                     deviceOf: Self.blockDeviceNumber)
        } catch {
            return "what it maps could not be read: \(error)"
        }
    }

    static func blockDeviceNumber(_ path: String) -> DeviceNumber? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFBLK else { return nil }
        return DeviceNumber(rawDevice: UInt64(status.st_rdev))
    }

    private func holdAndRelease(_ plan: FreezePlan, timeout: Duration, guardian: Guardian, during body: () throws -> Void) throws -> HoldWindow {
        // Its threads start before the window does.
        let together = try plan.takenTogether.isEmpty ? nil : SuspendTogether(plan.holds[plan.takenTogether].map(Self.suspension))
        defer { together?.cancel() }
        guardian.holding()
        let clock = ContinuousClock()
        let start = clock.now
        var taken: [FreezePlan.Hold] = []
        var failure: String?
        // A hold can take longer than the whole window (a suspend waits for
        // in-flight I/O, a freeze for the flush). The guardian, finding it not
        // yet taken, cannot release it, so the holder stops at the deadline
        // itself and releases what it has.
        var pastDeadline: Bool { clock.now - start >= timeout }
        do {
            var index = plan.holds.startIndex
            while index < plan.holds.endIndex && !pastDeadline {
                if let together, index == plan.takenTogether.lowerBound {
                    let failures = together.suspend()
                    taken += zip(plan.holds[plan.takenTogether], failures).filter { $0.1 == nil }.map(\.0)
                    if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
                    index = plan.takenTogether.upperBound
                } else {
                    try take(plan.holds[index])
                    taken.append(plan.holds[index])
                    index += 1
                }
            }
            if !pastDeadline { try body() }
        } catch {
            failure = "\(error)"
        }
        let deadlinePassed = pastDeadline
        var released = true
        for hold in taken.reversed() {
            do { try release(hold) } catch {
                released = false
                failure = failure ?? "\(error)"
            }
        }
        let elapsed = clock.now - start
        var outcome = guardian.finish(released: released)
        if deadlinePassed && outcome == .clean { outcome = .deadlinePassed }
        return HoldWindow(outcome: failure.map { .failed($0) } ?? outcome, microseconds: elapsed.microseconds)
    }

    private func take(_ hold: FreezePlan.Hold) throws {
        switch hold {
        case .freezeFilesystem(let mountPoint, _): try FilesystemFreeze.freeze(mountPoint)
        case .suspend(let device, let lockfs): try deviceMapper.suspend(device, options: lockfs ? [] : [.skipLockfs])
        }
    }

    private static func suspension(_ hold: FreezePlan.Hold) -> (name: String, options: DeviceMapper.SuspendOptions) {
        guard case .suspend(let device, let lockfs) = hold else { preconditionFailure("only suspends are taken together: \(hold)") }
        return (device, lockfs ? [] : [.skipLockfs])
    }

    private func release(_ hold: FreezePlan.Hold) throws {
        switch hold {
        case .freezeFilesystem(let mountPoint, _): try FilesystemFreeze.thaw(mountPoint)
        case .suspend(let device, _): try deviceMapper.resumeUnchanged(device)
        }
    }

    /// Releases what a holder and its guardian both left behind (found in
    /// /run/dmsnap), unless that holder is still alive.
    func releaseAbandonedHolds() -> [String] {
        var released: [String] = []
        for path in HoldJournal.leftovers() {
            guard let journal = try? HoldJournal.read(path) else { continue }
            if kill(journal.holderPID, 0) == 0 || errno == EPERM { continue }
            if Guardian.release(journal, path, deviceMapper: deviceMapper) {
                released += journal.holds.map(\.release)
            }
        }
        return released
    }
}
