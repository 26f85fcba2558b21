"""The workflow kernel: BPMN process definitions, instances, and the human tasks they wait on."""
