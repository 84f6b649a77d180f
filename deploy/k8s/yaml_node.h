// A YAML document as an ordered tree, and its text: what the Kubernetes
// manifest generator builds objects with. Maps keep their keys in insertion
// order (a manifest reads apiVersion, kind, metadata, spec), and every
// string is written double-quoted with escapes, so no value is ever read
// back as another type ("true", "0700", "1e3", ":" and "#" stay strings).
//
//   YamlNode pod = YamlNode::Map();
//   pod.Set("apiVersion", "v1").Set("kind", "Pod");
//   pod.Set("metadata", YamlNode::Map().Set("name", "hem-learner"));
//   std::string text = ToYaml(pod);
#ifndef HEM_DEPLOY_K8S_YAML_NODE_H_
#define HEM_DEPLOY_K8S_YAML_NODE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hem {

class YamlNode {
 public:
  enum class Kind { kString, kInt, kBool, kMap, kList };

  YamlNode(const char* text) : kind_(Kind::kString), text_(text) {}  // NOLINT: implicit.
  YamlNode(std::string text) : kind_(Kind::kString), text_(std::move(text)) {}  // NOLINT
  YamlNode(int64_t value) : kind_(Kind::kInt), int_(value) {}  // NOLINT
  YamlNode(int value) : kind_(Kind::kInt), int_(value) {}      // NOLINT
  static YamlNode Bool(bool value);
  static YamlNode Map();
  static YamlNode List();
  static YamlNode ListOf(const std::vector<std::string>& strings);

  // Map: adds `key` (or replaces its value). REQUIRES: a map.
  YamlNode& Set(const std::string& key, YamlNode value);
  // List: appends. REQUIRES: a list.
  YamlNode& Add(YamlNode value);

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }
  int64_t int_value() const { return int_; }
  bool bool_value() const { return bool_; }
  const std::vector<std::pair<std::string, YamlNode>>& entries() const { return entries_; }
  const std::vector<YamlNode>& items() const { return items_; }
  // The value under `key` in a map, or null.
  const YamlNode* Find(const std::string& key) const;

 private:
  explicit YamlNode(Kind kind) : kind_(kind) {}

  Kind kind_;
  std::string text_;
  int64_t int_ = 0;
  bool bool_ = false;
  std::vector<std::pair<std::string, YamlNode>> entries_;
  std::vector<YamlNode> items_;
};

// Block-style YAML of one document, ending in a newline.
std::string ToYaml(const YamlNode& node);

// Several documents, each after a "---" line.
std::string ToYamlDocuments(const std::vector<YamlNode>& documents);

}  // namespace hem

#endif  // HEM_DEPLOY_K8S_YAML_NODE_H_
