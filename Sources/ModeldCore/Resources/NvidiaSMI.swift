import Foundation

/// What the daemon asks nvidia-smi, and how it reads the answers. No I/O here: the
/// caller runs the command and hands over its exit status and output.
public enum NvidiaSMI {
    /// The `--query-gpu` fields the daemon asks for, in the order it asks.
    public static let gpuQueryFields = [
        "index", "uuid", "name", "memory.total", "memory.used", "memory.free", "utilization.gpu", "temperature.gpu",
    ]
    /// The `--query-compute-apps` fields the daemon asks for, in the order it asks.
    public static let appsQueryFields = ["gpu_uuid", "pid", "process_name", "used_memory"]

    public static let gpuQueryArguments = [
        "--query-gpu=" + gpuQueryFields.joined(separator: ","), "--format=csv,noheader,nounits",
    ]
    public static let appsQueryArguments = [
        "--query-compute-apps=" + appsQueryFields.joined(separator: ","), "--format=csv,noheader,nounits",
    ]

    /// Other names nvidia-smi accepts and prints for the same fields.
    private static let gpuAliases = ["gpu_name": "name", "gpu_uuid": "uuid"]
    private static let appsAliases = ["used_gpu_memory": "used_memory", "name": "process_name"]

    /// The GPUs in `--query-gpu` output, with or without header and units.
    ///
    /// Lines that are not GPU rows (messages, warnings) are skipped, so a warning printed
    /// beside good rows does not hide them.
    /// - Parameter columns: the fields asked for, used only when the output has no header.
    /// - Returns: `[]` for empty or header-only output.
    /// - Throws: when there are lines but none is a GPU row.
    public static func parseGPUs(
        _ text: String, columns: [String] = gpuQueryFields
    ) throws(GPUUnknown) -> [GPUReading] {
        let table = NvidiaSMITable(text, defaultColumns: columns, aliases: gpuAliases)
        var gpus: [GPUReading] = []
        for (position, line) in table.lines.enumerated() {
            guard let row = table.record(line, freeText: "name") else { continue }
            // An index that is there but not a number means the line is not a GPU row.
            let index = row.has("index") ? row.integer("index") : position
            guard let index else { continue }
            gpus.append(
                GPUReading(
                    index: index, uuid: row.text("uuid"), name: row.text("name"),
                    memoryTotalMiB: row.integer("memory.total"), memoryUsedMiB: row.integer("memory.used"),
                    memoryFreeMiB: row.integer("memory.free"), utilizationPercent: row.integer("utilization.gpu"),
                    temperatureC: row.integer("temperature.gpu")))
        }
        if gpus.isEmpty, let first = table.lines.first {
            throw GPUUnknown(reason: "nvidia-smi listed no GPU (it printed: \(quoted(first)))")
        }
        return gpus
    }

    /// The processes in `--query-compute-apps` output, with or without header and units.
    /// - Parameter columns: the fields asked for, used only when the output has no header.
    /// - Returns: `[]` for empty or header-only output (no process uses a GPU).
    /// - Throws: when there are lines but none is a process row, or there is no pid column.
    public static func parseProcesses(
        _ text: String, columns: [String] = appsQueryFields
    ) throws(GPUUnknown) -> [GPUProcess] {
        let table = NvidiaSMITable(text, defaultColumns: columns, aliases: appsAliases)
        guard let first = table.lines.first else { return [] }
        guard table.columns.contains("pid") else {
            throw GPUUnknown(reason: "nvidia-smi listed GPU processes without their pid")
        }
        let processes = table.lines.compactMap { line -> GPUProcess? in
            guard let row = table.record(line, freeText: "process_name"), let pid = row.integer("pid") else {
                return nil
            }
            return GPUProcess(
                gpuUUID: row.text("gpu_uuid"), pid: pid, name: row.text("process_name"),
                usedMemoryMiB: row.integer("used_memory"))
        }
        if processes.isEmpty {
            throw GPUUnknown(reason: "nvidia-smi listed no GPU process (it printed: \(quoted(first)))")
        }
        return processes
    }

    /// The GPUs with their processes attached by GPU UUID, replacing any they carried.
    /// A process whose UUID matches no GPU is dropped; a GPU without a UUID gets none,
    /// since nothing can tie a process to it.
    public static func merge(gpus: [GPUReading], processes: [GPUProcess]) -> [GPUReading] {
        gpus.map { gpu in
            var gpu = gpu
            gpu.processes = gpu.uuid.map { uuid in processes.filter { $0.gpuUUID == uuid } } ?? []
            return gpu
        }
    }

    /// A line of output for a reason: trimmed, shortened, in quotes.
    static func quoted(_ line: Substring) -> String {
        let text = line.trimmingCharacters(in: .whitespaces)
        return "\"" + (text.count > 120 ? text.prefix(120) + "…" : text) + "\""
    }
}
