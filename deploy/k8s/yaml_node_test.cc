// YAML text of a tree: block layout, lists of maps, and strings that stay
// strings whatever they contain.
#include "deploy/k8s/yaml_node.h"

#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(YamlNode, BlockLayoutInInsertionOrder) {
  YamlNode container = YamlNode::Map()
                           .Set("name", "learner")
                           .Set("args", YamlNode::ListOf({"--port=7050", "--resume"}))
                           .Set("ports", YamlNode::List().Add(
                                             YamlNode::Map().Set("name", "grpc").Set(
                                                 "containerPort", 7050)))
                           .Set("env", YamlNode::List())
                           .Set("readOnly", YamlNode::Bool(true));
  YamlNode pod = YamlNode::Map().Set("kind", "Pod").Set(
      "spec", YamlNode::Map().Set("containers", YamlNode::List().Add(container)));
  EXPECT_EQ(ToYaml(pod),
            "kind: \"Pod\"\n"
            "spec:\n"
            "  containers:\n"
            "    - name: \"learner\"\n"
            "      args:\n"
            "        - \"--port=7050\"\n"
            "        - \"--resume\"\n"
            "      ports:\n"
            "        - name: \"grpc\"\n"
            "          containerPort: 7050\n"
            "      env: []\n"
            "      readOnly: true\n");
}

TEST(YamlNode, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(ToYaml(YamlNode("true")), "\"true\"\n");
  EXPECT_EQ(ToYaml(YamlNode("a: \"b\" #c\\d\n\t\x01")), "\"a: \\\"b\\\" #c\\\\d\\n\\t\\x01\"\n");
  EXPECT_EQ(ToYaml(YamlNode::Map().Set("nvidia.com/gpu", "1").Set("on", 1).Set("0", 2)),
            "nvidia.com/gpu: \"1\"\n\"on\": 1\n\"0\": 2\n");
}

TEST(YamlNode, SetReplacesAndDocumentsAreSeparated) {
  YamlNode map = YamlNode::Map().Set("a", 1).Set("a", 2);
  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(map.Find("a")->int_value(), 2);
  EXPECT_EQ(map.Find("b"), nullptr);
  EXPECT_EQ(ToYamlDocuments({map, YamlNode::Map().Set("b", "x")}), "---\na: 2\n---\nb: \"x\"\n");
}

}  // namespace
}  // namespace hem
