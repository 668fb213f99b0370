/* The floor for "compile one spec": a process that only reads the same file and parses it
 * with libyaml (every event), then exits. bench/run.sh compares nodespec against it. */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  yaml_parser_t parser;
  yaml_event_t event;
  long events = 0;
  int done = 0;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, file);
  while (!done) {
    if (!yaml_parser_parse(&parser, &event)) {
      fprintf(stderr, "parse error: %s\n", parser.problem ? parser.problem : "?");
      yaml_parser_delete(&parser);
      fclose(file);
      return 1;
    }
    done = event.type == YAML_STREAM_END_EVENT;
    events++;
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  fclose(file);
  printf("%ld events\n", events);
  return 0;
}
