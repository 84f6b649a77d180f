"""Makes the workspace build with no network.

Bazel 4.2.3 silently declares three remote repositories in every workspace
(rules_cc, rules_java and, for `bazel test`, remote_coverage_tools). Offline
their downloads fail, so we shadow each with a local repository whose rules
forward to the native ones Bazel 4.2.3 still has built in.
"""

def _rules_cc_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"rules_cc\")\n")
    ctx.file("BUILD.bazel", "")
    ctx.file("cc/BUILD.bazel", "")
    forwarded = [
        "cc_binary",
        "cc_import",
        "cc_library",
        "cc_proto_library",
        "cc_test",
        "cc_toolchain",
        "cc_toolchain_suite",
        "objc_library",
    ]
    ctx.file("cc/defs.bzl", "".join([
        "def {0}(**kwargs):\n    native.{0}(**kwargs)\n\n".format(rule)
        for rule in forwarded
    ]))

_rules_cc = repository_rule(implementation = _rules_cc_impl, local = True)

def _rules_java_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"rules_java\")\n")
    ctx.file("BUILD.bazel", "")
    ctx.file("java/BUILD.bazel", "")
    forwarded = [
        "java_binary",
        "java_import",
        "java_library",
        "java_plugin",
        "java_proto_library",
        "java_runtime",
        "java_test",
        "java_toolchain",
    ]
    ctx.file("java/defs.bzl", "".join([
        "def {0}(**kwargs):\n    native.{0}(**kwargs)\n\n".format(rule)
        for rule in forwarded
    ]))

_rules_java = repository_rule(implementation = _rules_java_impl, local = True)

def _coverage_tools_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    ctx.file("noop.sh", "#!/bin/sh\nexit 0\n", executable = True)
    ctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])
sh_binary(name = "lcov_merger", srcs = ["noop.sh"])
sh_binary(name = "coverage_report_generator", srcs = ["noop.sh"])
""")

_coverage_tools = repository_rule(implementation = _coverage_tools_impl, local = True)

def offline_rule_repositories():
    _rules_cc(name = "rules_cc")
    _rules_java(name = "rules_java")
    _coverage_tools(name = "remote_coverage_tools")
