import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Resources: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the store's disk, memory and each GPU with its processes, read afresh.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    func run() throws {
        try options.run("resources", as: ResourcesResult.self) { Output.line(Self.describe($0)) }
    }

    /// The human view: a bar per filesystem, a memory line, a line per GPU and one per
    /// process on it.
    static func describe(_ resources: ResourcesResult) -> String {
        var lines: [String] = []
        for disk in resources.disk {
            let used = disk.totalBytes > 0 ? Double(disk.totalBytes - disk.freeToRootBytes) / Double(disk.totalBytes) : 0
            lines.append("Disk    " + disk.paths.joined(separator: ", "))
            lines.append(
                "        \(bar(used)) \(Int((used * 100).rounded()))% used, \(ByteSize.format(disk.freeBytes)) free of "
                    + "\(ByteSize.format(disk.totalBytes)); warns below \(ByteSize.format(disk.warnBelowBytes))"
                    + (disk.low ? "  LOW: modelctl cleanup shows what can go" : ""))
        }
        if let memory = resources.memory {
            var line = "Memory  \(ByteSize.format(memory.availableBytes)) available of \(ByteSize.format(memory.totalBytes))"
            if let total = memory.swapTotalBytes, total > 0, let free = memory.swapFreeBytes {
                line += "; swap \(ByteSize.format(free)) free of \(ByteSize.format(total))"
            }
            lines.append(line)
        } else {
            lines.append("Memory  unknown: \(resources.memoryUnknown ?? "not read")")
        }
        guard let gpus = resources.gpus else {
            lines.append("GPU     state unknown: \(resources.gpuUnknown ?? "not read")")
            return lines.joined(separator: "\n")
        }
        for gpu in gpus {
            lines.append("GPU \(gpu.index)   " + gpuLine(gpu))
            for process in gpu.processes {
                let memory = process.usedMemoryMiB.map { "\($0) MiB" } ?? "memory unknown"
                lines.append("        pid \(process.pid) \(process.name ?? "(name unknown)"): \(memory)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func gpuLine(_ gpu: GPUReading) -> String {
        var parts = [gpu.name ?? "unnamed GPU"]
        func mib(_ value: Int?) -> String { value.map { "\($0) MiB" } ?? "unknown" }
        parts.append("VRAM \(mib(gpu.memoryUsedMiB)) used, \(mib(gpu.memoryFreeMiB)) free of \(mib(gpu.memoryTotalMiB))")
        if let utilization = gpu.utilizationPercent { parts.append("\(utilization)% busy") }
        if let temperature = gpu.temperatureC { parts.append("\(temperature)°C") }
        return parts.joined(separator: ", ")
    }

    /// `[##########----------]` for a share 0…1.
    static func bar(_ share: Double, width: Int = 20) -> String {
        let filled = Int((min(max(share, 0), 1) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }
}
