import ContactPointModel

extension ConfigurationSet {
    /// Runs untrusted YAML through the loaders of policy.yaml, directory.yaml and pocd.yaml.
    /// Traps if an invariant breaks: a refusal names a problem; a policy that loads never
    /// keeps data for less than the treaty's 60 days. Fuzz/ and the regression tests call it.
    static func exercise(yaml text: String) {
        do {
            let policy = try DeadlinePolicy.load(yaml: text, file: "policy.yaml")
            for p in Priority.allCases { precondition(policy[p].preservationPeriod >= DeadlinePolicy.treatyMinimumPreservation) }
        } catch {
            precondition(!error.errors.isEmpty)
        }
        do { _ = try Directory.load(yaml: text, file: "directory.yaml") } catch { precondition(!error.errors.isEmpty) }
        do { _ = try DaemonConfiguration.load(yaml: text, file: "/etc/contactpoint/pocd.yaml") } catch {
            precondition(!error.errors.isEmpty)
        }
    }
}
