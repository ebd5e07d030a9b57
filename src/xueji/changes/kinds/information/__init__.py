"""An information change (信息变更, R9.1): a guardian's request to change the student's base
information, reviewed by the school and, for key information, approved by the district."""
