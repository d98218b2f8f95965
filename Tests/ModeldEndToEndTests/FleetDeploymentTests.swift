import Foundation
import ModeldTestSupport
import Testing

/// The fleet examples under `Deploy/`, checked as far as this machine can: the DaemonSet
/// parsed (PyYAML) with its drop-in given to `modeld --check-config`, and the Ansible
/// playbook's syntax, then its `files` tasks run for real against localhost into a
/// staging root. The `system` and `service` tasks (users, `systemctl enable --now`,
/// waiting for READY) need systemd as PID 1 and are not run here.
@Suite(.timeLimit(.minutes(10))) struct FleetDeploymentTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Deploy")
        .standardizedFileURL.path
    static let project = (deploy as NSString).deletingLastPathComponent
    static let ansiblePlaybook = "/usr/bin/ansible-playbook"

    /// Every document of a YAML file, as JSON values (PyYAML from Debian's python3-yaml).
    static func yamlDocuments(_ path: String, in directory: TemporaryDirectory) throws -> [[String: Any]] {
        let script = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))"
        let parsed = try ChildProcess.run("/usr/bin/python3", ["-c", script, path], in: directory.path)
        #expect(parsed.status == 0, "\(parsed.error)")
        return try #require(try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [[String: Any]])
    }

    @Test func theDaemonSetProbesWithAcquireAndSharesTheStoreAndTheSocket() throws {
        let directory = try TemporaryDirectory()
        let documents = try Self.yamlDocuments(Self.deploy + "/kubernetes/modeld-daemonset.yaml", in: directory)
        #expect(documents.compactMap { $0["kind"] as? String } == ["ConfigMap", "DaemonSet"])
        let daemonSet = try #require(documents.last)
        let pod = try #require(((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)

        let probe = (container["readinessProbe"] as? [String: Any])?["exec"] as? [String: Any]
        let command = try #require(probe?["command"] as? [String])
        #expect(command.first?.hasSuffix("/modelctl") == true && command.suffix(4) == ["acquire", "ti2v-5B", "--wait", "0"], "\(command)")
        let requests = (container["resources"] as? [String: Any])?["requests"] as? [String: Any]
        #expect(requests?["cpu"] != nil && requests?["memory"] != nil)

        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        let hostPaths = Dictionary(uniqueKeysWithValues: volumes.compactMap { volume -> (String, String)? in
            guard let name = volume["name"] as? String, let path = (volume["hostPath"] as? [String: Any])?["path"] as? String else { return nil }
            return (name, path)
        })
        #expect(hostPaths == ["store": "/var/lib/modeld", "socket": "/run/modeld"])
        let mounts = (container["volumeMounts"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
            $0[$1["name"] as? String ?? ""] = $1["mountPath"] as? String
        }
        #expect(mounts == ["store": "/var/lib/modeld", "socket": "/run/modeld", "site-config": "/etc/modeld/modeld.d"])

        // The ConfigMap's drop-in over the shipped modeld.toml is a configuration modeld takes.
        let configMap = try #require(documents.first?["data"] as? [String: String])
        let dropIn = try #require(configMap["50-site.toml"])
        try directory.write("modeld.toml", try String(contentsOfFile: Self.project + "/Config/modeld.toml", encoding: .utf8))
        try FileManager.default.createDirectory(atPath: directory.file("modeld.d"), withIntermediateDirectories: false)
        try directory.write("modeld.d/50-site.toml", dropIn)
        let check = try ChildProcess.run(Binaries.modeld, ["--config", directory.file("modeld.toml"), "--check-config"], in: directory.path)
        #expect(check.status == 0, "\(check.output)\(check.error)")
        #expect(check.output.contains("hf-mirror.modeld.svc.cluster.local"), "\(check.output)")
    }

    /// `ansible-playbook` with nothing of the machine's own Ansible settings.
    static func ansible(_ arguments: [String], in directory: TemporaryDirectory) throws -> (status: Int32, output: String, error: String) {
        try directory.write("inventory.ini", "[gpu_nodes]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
        let environment = ChildProcess.baseEnvironment.merging([
            "HOME": directory.path, "ANSIBLE_CONFIG": directory.file("none.cfg"), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": directory.file("ansible-tmp"), "ANSIBLE_RETRY_FILES_ENABLED": "0",
        ]) { $1 }
        return try ChildProcess.run(
            ansiblePlaybook, ["-i", directory.file("inventory.ini")] + arguments + [deploy + "/ansible/site.yml"],
            environment: environment, in: directory.path, timeout: .seconds(300))
    }

    @Test func thePlaybookPassesAnsiblesSyntaxCheck() throws {
        let directory = try TemporaryDirectory()
        let check = try Self.ansible(["--syntax-check"], in: directory)
        #expect(check.status == 0, "\(check.output)\(check.error)")
    }

    @Test func thePlaybooksFileTasksInstallIntoAStagingRootAValidConfiguration() throws {
        let directory = try TemporaryDirectory()
        let root = directory.file("root")
        let variables = """
            {"modeld_root": "\(root)", "modeld_products": "\(Binaries.directory)", "ansible_become": false,
             "modeld_update_policy": "auto", "modeld_models": [{"id": "ti2v-5B", "auto_download": true}]}
            """
        let run = try Self.ansible(["--tags", "files", "-e", variables], in: directory)
        #expect(run.status == 0, "\(run.output)\(run.error)")

        for tool in ["modeld", "modelctl"] {
            #expect(FileManager.default.isExecutableFile(atPath: root + "/usr/local/bin/" + tool), "\(tool)")
        }
        let unit = try String(contentsOfFile: root + "/etc/systemd/system/modeld.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/modeld --config /etc/modeld/modeld.toml"))
        #expect(FileManager.default.fileExists(atPath: root + "/etc/systemd/system/modeld.socket"))
        // The playbook ran `modeld --check-config` on what it installed; the effective
        // configuration has the drop-in's values.
        let check = try ChildProcess.run(
            root + "/usr/local/bin/modeld", ["--config", root + "/etc/modeld/modeld.toml", "--check-config"], in: directory.path)
        #expect(check.status == 0, "\(check.output)\(check.error)")
        for expected in ["hf-mirror.example.internal:8090", "https://huggingface.co", "auto"] {
            #expect(check.output.contains(expected), "\(expected) in \(check.output)")
        }
    }
}
