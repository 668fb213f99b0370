import ArgumentParser

/// `--set PATH=VALUE`, for every command that reads specs (`compile`, `validate`, `plan`):
/// a value laid over each spec after its bases, checked as if the spec wrote it.
struct OverrideOptions: ParsableArguments {
  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      """
      Set a value as if the spec wrote it, over its bases (repeatable; a YAML scalar; a key \
      with a dot is quoted: registries."docker.io".server=...).
      """,
      valueName: "path=value"))
  var set: [String] = []

  func validate() throws {
    for argument in set where !argument.contains("=") {
      throw ValidationError(
        "--set \(argument): write PATH=VALUE, e.g. --set components.containerd=2.1.1")
    }
  }
}
